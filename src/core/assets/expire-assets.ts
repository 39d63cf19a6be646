import type { JobQueue } from '../jobs/job-queue.js';
import { schedulePeriodic } from '../jobs/periodic-job.js';
import type { AssetRepository } from './asset-repository.js';
import { PURGE_ASSET_JOB } from './delete-asset.js';

export const EXPIRE_ASSETS_JOB = 'assets.expire';

/** Temporary uploads whose time is up become invisible and are purged like deletions. */
export async function expireAssets(deps: { assets: AssetRepository; jobs: JobQueue }): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await deps.assets.expired(new Date().toISOString(), 100);
    for (const asset of batch) {
      if (await deps.assets.softDelete(asset.accountId, asset.id)) {
        await deps.jobs.enqueue(
          PURGE_ASSET_JOB,
          { accountId: asset.accountId, assetId: asset.id },
          {
            singletonKey: asset.id,
          },
        );
        total++;
      }
    }
    if (batch.length < 100) return total;
  }
}

/** Arms the next sweep: one per period across all workers (see schedulePeriodic). */
export function scheduleExpirySweep(jobs: JobQueue, everySeconds = 60): Promise<void> {
  return schedulePeriodic(jobs, EXPIRE_ASSETS_JOB, everySeconds);
}
