import type { JobQueue } from '../jobs/job-queue.js';
import type { AssetRepository } from './asset-repository.js';
import { PURGE_ASSET_JOB } from './delete-asset.js';

export const EXPIRE_ASSETS_JOB = 'assets.expire';
const SWEEP_EVERY_MS = 60_000;

/** Temporary uploads whose time is up become invisible and are purged like deletions. */
export async function expireAssets(deps: { assets: AssetRepository; jobs: JobQueue }): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await deps.assets.expired(new Date().toISOString(), 100);
    for (const asset of batch) {
      if (await deps.assets.softDelete(asset.accountId, asset.id)) {
        await deps.jobs.enqueue(PURGE_ASSET_JOB, { accountId: asset.accountId, assetId: asset.id }, {
          singletonKey: asset.id,
        });
        total++;
      }
    }
    if (batch.length < 100) return total;
  }
}

/**
 * Arms the next sweep. The singleton key names the minute it runs in, so however many workers
 * arm it, one sweep per minute is queued across all of them.
 */
export async function scheduleExpirySweep(jobs: JobQueue): Promise<void> {
  const minute = Math.floor((Date.now() + SWEEP_EVERY_MS) / SWEEP_EVERY_MS);
  await jobs.enqueue(EXPIRE_ASSETS_JOB, {}, {
    delayMs: minute * SWEEP_EVERY_MS - Date.now(),
    singletonKey: `sweep:${minute}`,
    maxAttempts: 3,
  });
}
