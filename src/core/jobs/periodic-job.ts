import type { JobQueue } from './job-queue.js';

/**
 * Arms the next run of a periodic job. The singleton key names the period it runs in, so however
 * many workers arm it (each at start, and each run re-arming the next), one job per period is
 * queued across all of them: a durable cron on the job queue, with no leader election.
 */
export async function schedulePeriodic(
  jobs: JobQueue,
  kind: string,
  everySeconds: number,
  now: number = Date.now(),
): Promise<void> {
  const periodMs = everySeconds * 1000;
  const slot = Math.floor(now / periodMs) + 1;
  await jobs.enqueue(
    kind,
    { slot },
    {
      delayMs: Math.max(0, slot * periodMs - now),
      singletonKey: `${kind}:${everySeconds}:${slot}`,
      maxAttempts: 3,
    },
  );
}
