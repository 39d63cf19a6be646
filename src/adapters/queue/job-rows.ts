import type { JobInfo, JobState } from '../../core/jobs/job-queue.js';
import type { JobsTable } from '../db/schema.js';

export type JobRow = JobsTable;

/** Retry delays never grow past this, however many attempts a job allows. */
const MAX_BACKOFF_MS = 6 * 60 * 60 * 1000;

/**
 * Delay before attempt `attempt + 1`: backoffMs * 2^(attempt-1), plus up to 10% jitter so jobs
 * that failed together (an unreachable origin, a restarted database) do not retry in lockstep.
 * The jitter only adds: a retry never comes earlier than the nominal delay.
 */
export function backoffDelayMs(backoffMs: number, attempt: number): number {
  const nominal = Math.min(backoffMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(nominal * (1 + Math.random() * 0.1));
}

/** The text kept as last_error: the message, bounded so one huge error cannot bloat the row. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}

export function toJobInfo(row: JobRow): JobInfo {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state as JobState,
    payload: JSON.parse(row.payload),
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.progress !== null ? { progress: Number(row.progress) } : {}),
    runAt: new Date(row.run_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
