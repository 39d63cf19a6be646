/**
 * The eviction job: brings an account's stored variants back under the caps, least recently used
 * first: first each asset over its count, then the account over its bytes. Armed by the renderer
 * when a new variant goes over a cap, at most once per account per period, and always for a period
 * that starts after the variant was recorded, so the last variant of a burst is never missed.
 */
import type { BlobStore } from '../blobs/blob-store.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { VariantCaps, VariantStats } from './variant-limits.js';
import type { EvictionCandidate, VariantRepository } from './variant-repository.js';
import type { VariantUsageTracker } from './variant-usage-tracker.js';

export const EVICT_VARIANTS_JOB = 'images.evict-variants';

export interface EvictVariantsPayload {
  [key: string]: unknown;
  accountId: string;
}

export interface EvictVariantsDeps {
  blobs: BlobStore;
  variants: VariantRepository;
  usage: VariantUsageTracker;
  caps: VariantCaps;
  stats: VariantStats;
  log?: { warn(obj: object, msg: string): void };
}

const BATCH = 100;

export async function scheduleEviction(
  jobs: JobQueue,
  accountId: string,
  delaySeconds: number,
  now: number = Date.now(),
): Promise<void> {
  const periodMs = delaySeconds * 1000;
  const slot = Math.floor(now / periodMs) + 1;
  await jobs.enqueue(EVICT_VARIANTS_JOB, { accountId } satisfies EvictVariantsPayload, {
    delayMs: Math.max(0, slot * periodMs - now),
    singletonKey: `${EVICT_VARIANTS_JOB}:${accountId}:${slot}`,
    maxAttempts: 3,
  });
}

export async function evictVariants(
  deps: EvictVariantsDeps,
  accountId: string,
): Promise<{ evicted: number; bytes: number }> {
  const { variants, caps } = deps;
  // Last uses noted in this process count; other processes flush on their own timer.
  await deps.usage.flush();
  const done = { evicted: 0, bytes: 0 };
  const evict = async (c: EvictionCandidate) => {
    // The row first (it stops counting and being found), then the bytes.
    await variants.forget(c);
    await deps.blobs
      .delete(c.blobKey)
      .catch((err) => deps.log?.warn({ err, key: c.blobKey }, 'variant blob delete failed'));
    done.evicted++;
    done.bytes += c.size;
    deps.stats.evicted++;
    deps.stats.evictedBytes += c.size;
  };

  if (caps.perAsset > 0) {
    for (const { assetId, over } of await variants.assetsOverCap(accountId, caps.perAsset)) {
      for (const c of await variants.leastRecentlyUsed({ assetId }, over)) await evict(c);
    }
  }
  if (caps.bytesPerAccount > 0) {
    let bytes = await variants.bytesForAccount(accountId);
    while (bytes > caps.bytesPerAccount) {
      const batch = await variants.leastRecentlyUsed({ accountId }, BATCH);
      if (batch.length === 0) break;
      for (const c of batch) {
        if (bytes <= caps.bytesPerAccount) break;
        await evict(c);
        bytes -= c.size;
      }
    }
  }
  return done;
}
