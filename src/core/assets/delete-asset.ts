import type { BlobStore } from '../blobs/blob-store.js';
import { errors } from '../errors/kiln-error.js';
import { variantPrefix } from '../images/image-service.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { assetPrefix, originalKey } from './asset.js';
import type { AssetRepository } from './asset-repository.js';

export const PURGE_ASSET_JOB = 'asset.purge';

export interface PurgeAssetPayload extends Record<string, unknown> {
  accountId: string;
  assetId: string;
}

/**
 * Deletes an asset as its owner sees it: at once invisible (soft delete), then its bytes and
 * renditions removed by a durable job, so a crash between the two leaves nothing behind for long.
 */
export async function deleteAsset(
  deps: { assets: AssetRepository; jobs: JobQueue },
  accountId: string,
  assetId: string,
): Promise<void> {
  const deleted = await deps.assets.softDelete(accountId, assetId);
  if (!deleted) throw errors.notFound('Asset');
  await deps.jobs.enqueue(PURGE_ASSET_JOB, { accountId, assetId } satisfies PurgeAssetPayload, {
    singletonKey: assetId,
  });
}

/** The purge job: every blob under the asset's prefix and its image variants, then the row (renditions cascade). */
export async function purgeAsset(
  deps: { assets: AssetRepository; blobs: BlobStore },
  payload: PurgeAssetPayload,
): Promise<void> {
  await deps.blobs.deletePrefix(assetPrefix(payload.accountId, payload.assetId));
  await deps.blobs.deletePrefix(variantPrefix(originalKey(payload.accountId, payload.assetId)));
  await deps.assets.purge(payload.assetId);
}
