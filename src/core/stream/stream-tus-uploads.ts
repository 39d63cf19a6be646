import type { BlobStore } from '../../adapters/blobs/blob-store.js';
import { type Asset, assetPrefix, originalKey } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import { ingestStream } from '../ingest/ingest-stream.js';
import { UploadChunks } from '../ingest/upload-chunks.js';
import { STREAM_SOURCE, streamFacts } from './stream-facts.js';

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

  /**
   * Joins the chunks (checked contiguous and complete) into the asset's original, streamed through
   * the ingest primitive, then removes them. Returns what ingestStream measured.
   */
  async assemble(asset: Asset, maxBytes: number) {
    const prefix = tusChunkPrefix(asset);
    const body = await this.chunks.assembled(prefix, streamFacts(asset).uploadLength ?? 0);
    const key = originalKey(asset.accountId, asset.id);
    const result = await ingestStream(this.deps.blobs, key, body, { maxBytes });
    await this.chunks.drop(prefix);
    return { key, size: result.size, sha256: result.sha256, contentType: result.contentType };
  }
}

export function tusChunkPrefix(asset: Pick<Asset, 'accountId' | 'id'>): string {
  return `${assetPrefix(asset.accountId, asset.id)}/tus`;
}
