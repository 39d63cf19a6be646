import type { BlobStore } from '../../adapters/blobs/blob-store.js';
import type { Asset } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import type { ResumableUploadInfo, ResumableUploadStore } from './resumable-upload-store.js';
import { uploadAsset } from './upload-asset.js';

/**
 * Turns a complete resumable upload into an asset with the upload's id: the chunks are streamed in
 * order through the ingest primitive (hashed, sniffed, limited), then dropped. Idempotent: a second
 * call (a retried final PATCH) returns the asset made by the first.
 */
export async function finishResumableUpload(
  deps: { blobs: BlobStore; assets: AssetRepository },
  store: ResumableUploadStore,
  info: ResumableUploadInfo,
  options: { maxBytes: number; source?: string },
): Promise<Asset> {
  const existing = await deps.assets.find(info.accountId, info.id);
  if (existing) return existing;
  const declared = info.metadata.filetype ?? info.metadata.type ?? undefined;
  const name = info.metadata.filename ?? info.metadata.name ?? null;
  const asset = await uploadAsset(deps, {
    id: info.id,
    accountId: info.accountId,
    body: await store.assembled(info),
    maxBytes: options.maxBytes,
    source: options.source ?? 'kiln',
    declaredType: declared && declared !== 'application/octet-stream' ? declared : undefined,
    originalName: name,
  });
  await store.writeInfo({ ...info, completed: true });
  await store.dropChunks(info.id);
  return asset;
}
