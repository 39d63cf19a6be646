import type { JobHandler, JobPayload } from '../core/jobs/job-queue.js';

/** One row of the job table: the kind, how many run at once in one process, and its handler. */
export interface JobKindSpec {
  kind: string;
  concurrency: number;
  handle: JobHandler<JobPayload>;
}

/** Adds a row to the job table (features declare their jobs through this, typed by payload). */
export type DeclareJob = <P extends JobPayload>(
  kind: string,
  handler: JobHandler<P>,
  concurrency: number,
) => void;
