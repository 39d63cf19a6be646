import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../adapters/blobs/blob-store.js';
import type { Asset, AssetKind } from '../assets/asset.js';
import { originalKey } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import { ingestStream } from './ingest-stream.js';
import { assetKindFromContentType } from './sniff-content-type.js';

export interface UploadAssetInput {
  accountId: string;
  body: Readable;
  maxBytes: number;
  source: string;
  id?: string;
  declaredType?: string;
  originalName?: string | null;
  metadata?: Record<string, unknown>;
  stored?: boolean;
  expiresAt?: string | null;
  status?: string;
  /** Forces the kind (e.g. a video dialect); otherwise it follows the sniffed content type. */
  kind?: AssetKind;
  extra?: Record<string, unknown>;
  signal?: AbortSignal;
}

/**
 * The ingest primitive for a whole asset: bytes streamed into the blob store first (hashed,
 * counted, limited mid-stream), the row committed only once they are durable. If the row cannot be
 * written the blob is removed again, so nothing half-written is ever visible.
 */
export async function uploadAsset(
  deps: { blobs: BlobStore; assets: AssetRepository },
  input: UploadAssetInput,
): Promise<Asset> {
  const id = input.id ?? randomUUID();
  const key = originalKey(input.accountId, id);
  const result = await ingestStream(deps.blobs, key, input.body, {
    maxBytes: input.maxBytes,
    signal: input.signal,
    contentType: input.declaredType,
  });
  try {
    return await deps.assets.create({
      id,
      accountId: input.accountId,
      kind: input.kind ?? assetKindFromContentType(result.contentType),
      status: input.status ?? 'ready',
      blobKey: key,
      size: result.size,
      contentType: result.contentType,
      sha256: result.sha256,
      originalName: input.originalName ?? null,
      metadata: input.metadata,
      stored: input.stored,
      expiresAt: input.expiresAt,
      source: input.source,
      extra: input.extra,
    });
  } catch (err) {
    await deps.blobs.delete(key).catch(() => {});
    throw err;
  }
}
