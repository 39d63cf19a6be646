import type { Readable } from 'node:stream';
import { type Asset, assetPrefix } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { UploadChunks } from '../ingest/upload-chunks.js';
import { STREAM_SOURCE, streamFacts } from './video-facts.js';

/** One Stream TUS upload as the tus store sees it: the pending video row and where its bytes go. */
export interface StreamTusUpload {
  asset: Asset;
  size: number;
  metadata: Record<string, string | null>;
  /** When the unfinished upload expires (ISO), if it does. */
  expiresAt: string | null;
  /** The bytes went into the video already. */
  done: boolean;
}

/**
 * Cloudflare Stream TUS uploads: the record is the video row itself (`uploadKind: 'tus'`,
 * `pendingupload` until the bytes are in), the bytes are UploadChunks under `<asset>/tus`.
 */
export class StreamTusUploads {
  private readonly chunks: UploadChunks;

  constructor(private readonly deps: { assets: AssetRepository; blobs: BlobStore }) {
    this.chunks = new UploadChunks(deps.blobs);
  }

  async find(id: string): Promise<StreamTusUpload | null> {
    const asset = await this.deps.assets.findAnyAccount(id);
    if (!asset || asset.source !== STREAM_SOURCE) return null;
    const facts = streamFacts(asset);
    if (facts.uploadKind !== 'tus') return null;
    return {
      asset,
      size: facts.uploadLength ?? 0,
      metadata: facts.uploadMetadata ?? {},
      expiresAt: facts.uploadExpiry,
      done: asset.status !== 'pendingupload',
    };
  }

  /** Termination: the chunks go, and the video with them. */
  async remove(upload: StreamTusUpload): Promise<void> {
    await this.chunks.drop(tusChunkPrefix(upload.asset));
    await this.deps.assets.softDelete(upload.asset.accountId, upload.asset.id);
  }

  /** The chunks joined in order, checked contiguous and complete: the upload's bytes for ingest. */
  assembled(asset: Asset): Promise<Readable> {
    return this.chunks.assembled(tusChunkPrefix(asset), streamFacts(asset).uploadLength ?? 0);
  }

  async dropChunks(asset: Asset): Promise<void> {
    await this.chunks.drop(tusChunkPrefix(asset));
  }
}

export function tusChunkPrefix(asset: Pick<Asset, 'accountId' | 'id'>): string {
  return `${assetPrefix(asset.accountId, asset.id)}/tus`;
}
