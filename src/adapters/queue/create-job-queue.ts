import type { JobQueue } from '../../core/jobs/job-queue.js';
import type { DatabaseHandle } from '../db/database.js';
import { DbJobQueue, type DbJobQueueOptions } from './db-job-queue.js';

export interface CreateJobQueueOptions extends Omit<DbJobQueueOptions, 'handle'> {
  handle: DatabaseHandle;
}

/**
 * The job queue for a database: DbJobQueue on both SQLite and PostgreSQL. pg-boss 10 was weighed
 * for PostgreSQL and left out: it cannot extend a running job's expiry (no heartbeat; expiry is
 * fixed when the job is sent), its singleton policies cannot express "one queued-or-active job
 * per key, return its id", and its handlers get no abort signal on shutdown.
 */
export function createJobQueue(options: CreateJobQueueOptions): JobQueue & { readonly workerId: string } {
  return new DbJobQueue(options);
}
