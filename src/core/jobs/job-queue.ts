/**
 * The one job system for everything slow (probe, transcode, thumbnails, URL fetches, webhooks,
 * expiry of temporary files). Durable: an enqueued job survives restarts; a job whose worker died
 * is taken up again once its lease runs out; failures retry with exponential backoff, then end in
 * `failed`. Two implementations share one conformance suite: the embedded one (SQLite, no extra
 * server) and the scale-out one (PostgreSQL).
 */
export type JobPayload = Record<string, unknown>;

export type JobState = 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface EnqueueOptions {
  /** Earliest start, in ms from now. */
  delayMs?: number;
  /** Total attempts including the first (default 5). */
  maxAttempts?: number;
  /** First retry delay in ms; doubles each attempt (default 1000). */
  backoffMs?: number;
  /** How long one attempt may hold the job before it counts as abandoned (default 300 s). */
  leaseSeconds?: number;
  /**
   * At most one queued-or-active job with this key per kind: enqueueing another returns the
   * existing job's id (deduplication, e.g. one transcode per asset).
   */
  singletonKey?: string;
}

export interface JobContext<P extends JobPayload = JobPayload> {
  id: string;
  kind: string;
  payload: P;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the queue is stopping; long handlers should stop and let the job be retried. */
  signal: AbortSignal;
  /**
   * Extends the lease of a long-running attempt (call it from progress callbacks) and records
   * `progress` (0..1) when given. If the job was cancelled or its lease was lost meanwhile,
   * `signal` is aborted: the handler should stop, its result would be discarded.
   */
  heartbeat(progress?: number): Promise<void>;
}

export type JobHandler<P extends JobPayload = JobPayload> = (job: JobContext<P>) => Promise<void>;

export interface WorkOptions {
  /** Jobs of this kind running at once in this process. */
  concurrency: number;
}

export interface JobInfo {
  id: string;
  kind: string;
  state: JobState;
  payload: JobPayload;
  attempt: number;
  maxAttempts: number;
  lastError?: string;
  /** Last progress (0..1) reported through heartbeat(), if any. */
  progress?: number;
  /** When the job is (or was) due to run: later than createdAt for delayed jobs and retries. */
  runAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface QueueDepth {
  kind: string;
  queued: number;
  active: number;
  failed: number;
}

/**
 * How one attempt ended, as the worker that ran it saw it. `retried`: it failed and was put back
 * with a backoff; `failed`: it failed for good (permanent error or last attempt); `lease_lost`: its
 * outcome was discarded because the lease was gone (the attempt overran its lease without a
 * heartbeat and another worker took the job); `cancelled`: cancelled while it ran; `released`:
 * given back unfinished on shutdown; `unrecorded`: the outcome could not be written (database down).
 */
export type JobOutcome =
  | 'completed'
  | 'failed'
  | 'retried'
  | 'lease_lost'
  | 'cancelled'
  | 'released'
  | 'unrecorded';

/**
 * What a queue tells whoever watches it (metrics): called synchronously, must not throw. One
 * observer per queue; the queue is the one place that knows when attempts start and end.
 */
export interface JobQueueObserver {
  attemptStarted(kind: string): void;
  attemptEnded(kind: string, outcome: JobOutcome, seconds: number): void;
  /** This process took over (or failed, on their last attempt) `count` jobs whose worker let the lease run out. */
  leasesExpired(kind: string, count: number): void;
  /** The polling loop finished a round against the database. */
  polled(at: Date): void;
}

/** Whether the polling loop runs, and when it last finished a round (for /healthz). */
export interface JobLoopStatus {
  running: boolean;
  lastPollAt: Date | null;
}

export interface JobQueue {
  enqueue(kind: string, payload: JobPayload, options?: EnqueueOptions): Promise<string>;
  /** Registers a handler; jobs are taken once start() has been called. */
  work<P extends JobPayload>(kind: string, handler: JobHandler<P>, options: WorkOptions): void;
  get(id: string): Promise<JobInfo | null>;
  cancel(id: string): Promise<void>;
  depth(): Promise<QueueDepth[]>;
  /** The polling loop of this process: not running before start() and after stop(). */
  loopStatus(): JobLoopStatus;
  /** Starts the polling loop; resolves once its first round has ended (so loopStatus() is meaningful). */
  start(): Promise<void>;
  /**
   * Stops taking jobs and waits for running ones; after `graceMs` aborts their signals and puts
   * the jobs still running back in the queue (without counting the attempt) for another worker.
   */
  stop(graceMs?: number): Promise<void>;
  /** Deletes completed and cancelled jobs last updated more than `olderThanMs` ago; returns how many. */
  pruneCompleted(olderThanMs: number): Promise<number>;
}

/** Thrown by a handler for a failure that retrying cannot fix: the job fails at once. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}
