/**
 * Remote sources beyond KILN_IMAGE_SOURCE_STORE_MB are evicted least recently used first, by a job
 * (armed when a new source is stored; one per period, like variant eviction).
 */
import type { JobQueue } from '../../jobs/job-queue.js';

export const EVICT_REMOTE_SOURCES_JOB = 'images.evict-remote-sources';

export async function scheduleSourceEviction(
  jobs: JobQueue,
  delaySeconds: number,
  now = Date.now(),
): Promise<void> {
  const periodMs = delaySeconds * 1000;
  const slot = Math.floor(now / periodMs) + 1;
  await jobs.enqueue(
    EVICT_REMOTE_SOURCES_JOB,
    {},
    {
      delayMs: Math.max(0, slot * periodMs - now),
      singletonKey: `${EVICT_REMOTE_SOURCES_JOB}:${slot}`,
      maxAttempts: 3,
    },
  );
}
