import { type BlobStore, canRemoveStaleUploads } from '../blobs/blob-store.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { schedulePeriodic } from '../jobs/periodic-job.js';
import { sweepScratch } from '../media/scratch-space.js';
import { assetPrefix } from './asset.js';
import type { AssetRepository } from './asset-repository.js';

export const CLEAN_ORPHANS_JOB = 'blobs.clean-orphans';

export interface CleanOrphansResult {
  /** Asset prefixes removed because no asset row owns them. */
  orphanAssets: number;
  /** Incomplete multipart uploads and temp files removed. */
  staleUploads: number;
  /** Scratch directories of this host that no running job owns (scratch-space.ts). */
  scratchDirs: number;
}

const BATCH = 500;

/**
 * Removes what a crash can leave behind: blobs under `a/<account>/<asset>/` whose asset has no row
 * (the process died after the bytes were durable but before the row was committed), and incomplete
 * uploads (see StaleUploadsCapable). Only what is older than `olderThan` is touched, so an upload
 * in flight, whose row is not written yet, is never removed. Idempotent: safe to run again.
 * Also sweeps this host's scratch space of directories left by processes that are gone.
 */
export async function cleanOrphans(
  deps: { assets: AssetRepository; blobs: BlobStore },
  olderThan: Date,
): Promise<CleanOrphansResult> {
  let orphanAssets = 0;
  let pending = new Map<string, { accountId: string; newest: number }>();
  const flush = async (keep?: string) => {
    const carried = keep ? pending.get(keep) : undefined;
    if (keep) pending.delete(keep);
    const owned = await deps.assets.existingIds([...pending.keys()]);
    for (const [assetId, { accountId, newest }] of pending) {
      if (owned.has(assetId) || newest >= olderThan.getTime()) continue;
      await deps.blobs.deletePrefix(assetPrefix(accountId, assetId));
      orphanAssets++;
    }
    pending = new Map(keep && carried ? [[keep, carried]] : []);
  };
  for await (const blob of deps.blobs.list('a')) {
    const [, accountId, assetId] = blob.key.split('/');
    if (!accountId || !assetId) continue;
    const seen = pending.get(assetId);
    const modified = blob.lastModified.getTime();
    pending.set(assetId, { accountId, newest: Math.max(seen?.newest ?? 0, modified) });
    // Listings are grouped by prefix (S3 lists in key order, the fs store walks depth first), so
    // only the asset being listed may have more blobs to come: it is carried into the next batch.
    if (pending.size >= BATCH) await flush(assetId);
  }
  await flush();
  const staleUploads = canRemoveStaleUploads(deps.blobs) ? await deps.blobs.removeStaleUploads(olderThan) : 0;
  const scratchDirs = await sweepScratch({ olderThan });
  return { orphanAssets, staleUploads, scratchDirs };
}

/** Arms the next orphan sweep: one per period across all workers. */
export function scheduleOrphanSweep(jobs: JobQueue, everySeconds: number): Promise<void> {
  return schedulePeriodic(jobs, CLEAN_ORPHANS_JOB, everySeconds);
}
