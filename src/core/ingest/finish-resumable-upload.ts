import type { Asset } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import type { IngestService } from './ingest-service.js';
import type { ResumableUploadInfo, ResumableUploadStore } from './resumable-upload-store.js';

/**
 * Turns a complete resumable upload into an asset with the upload's id, one call into the ingest
 * service: the chunks are streamed in order (limits, hash, sniff, facts, the one row write), then
 * dropped (all of it when an account limit refuses it). Idempotent: a second call (a retried final PATCH) returns the asset made by the first.
 */
export async function finishResumableUpload(
  deps: { ingest: IngestService; assets: AssetRepository },
  store: ResumableUploadStore,
  info: ResumableUploadInfo,
  options: { maxBytes: number; source?: string },
): Promise<Asset> {
  const existing = await deps.assets.find(info.accountId, info.id);
  if (existing) return existing;
  const declared = info.metadata.filetype ?? info.metadata.type ?? undefined;
  const name = info.metadata.filename ?? info.metadata.name ?? null;
  const asset = await deps.ingest
    .ingest({
      id: info.id,
      accountId: info.accountId,
      body: await store.assembled(info),
      maxBytes: options.maxBytes,
      declaredSize: info.size,
      source: options.source ?? 'kiln',
      declaredType: declared && declared !== 'application/octet-stream' ? declared : undefined,
      originalName: name,
    })
    .catch(async (err: unknown) => {
      // Refused by an account limit: the upload can never finish, so nothing of it is kept.
      if ((err as { details?: { accountLimit?: string } }).details?.accountLimit)
        await store.remove(info.id).catch(() => {});
      throw err;
    });
  await store.writeInfo({ ...info, completed: true });
  await store.dropChunks(info.id);
  return asset;
}
