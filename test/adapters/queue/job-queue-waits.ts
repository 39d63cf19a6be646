import type { JobInfo, JobQueue, JobState } from '../../../src/core/jobs/job-queue.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Waits until the job reaches `state` and returns it; fails if it ends in another final state. */
export async function waitForState(
  queue: JobQueue,
  id: string,
  state: JobState,
  timeoutMs = 5_000,
): Promise<JobInfo> {
  let info: JobInfo | null = null;
  await waitFor(
    async () => {
      info = await queue.get(id);
      if (info && info.state !== state && ['completed', 'failed', 'cancelled'].includes(info.state)) {
        throw new Error(`job ${id} ended ${info.state} (${info.lastError ?? 'no error'}), expected ${state}`);
      }
      return info?.state === state;
    },
    timeoutMs,
    `job ${id} to be ${state}`,
  );
  return info!;
}
