import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { errors } from '../../core/errors/kiln-error.js';
import {
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobInfo,
  type JobLoopStatus,
  type JobOutcome,
  type JobPayload,
  type JobQueue,
  type JobQueueObserver,
  PermanentJobError,
  type QueueDepth,
  type WorkOptions,
} from '../../core/jobs/job-queue.js';
import type { DatabaseHandle } from '../db/database.js';
import { backoffDelayMs, errorText, type JobRow, toJobInfo } from './job-rows.js';
import { JobStore, LEASE_EXPIRED, type Lease } from './job-store.js';
import { PollTimer, settlesWithin } from './poll-timer.js';

/** The part of a pino logger the queue uses. */
export interface JobQueueLogger {
  error(details: object, message: string): void;
}

export interface DbJobQueueOptions {
  handle: Pick<DatabaseHandle, 'db' | 'dialect'>;
  /** Names this process in locked_by; unique per queue instance by default. */
  workerId?: string;
  /** Idle polling interval (default 200 ms); a finished job or a local enqueue re-polls at once. */
  pollIntervalMs?: number;
  /** Completed and cancelled jobs are pruned once older than this (default 7 days; 0 keeps them). */
  completedRetentionMs?: number;
  logger?: JobQueueLogger;
  /** Told when attempts start and end and when the loop polls (metrics); nothing by default. */
  observer?: JobQueueObserver;
}

const IGNORE: JobQueueObserver = {
  attemptStarted() {},
  attemptEnded() {},
  leasesExpired() {},
  polled() {},
};

interface Worker {
  kind: string;
  handler: JobHandler;
  concurrency: number;
  running: Map<string, RunningJob>;
}

interface RunningJob {
  lease: Lease;
  controller: AbortController;
  /** Set when stop() gave the job back: whatever the handler does next is not recorded. */
  released: boolean;
  done: Promise<void>;
  /** Aborts the signal when the lease runs out unrenewed: another worker may take the job then. */
  leaseTimer?: NodeJS.Timeout;
  leaseMs: number;
}

const DEFAULTS = { maxAttempts: 5, backoffMs: 1000, leaseSeconds: 300 };
const SWEEP_EVERY_MS = 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
/** After the grace period, how long stop() still waits for aborted handlers to return. */
const SETTLE_AFTER_ABORT_MS = 1000;

/**
 * The job queue on Kiln's own database (SQLite embedded, PostgreSQL scale-out): durable rows,
 * leases that a heartbeat extends, retries with exponential backoff, singleton keys. Each
 * instance polls for the kinds it works on, with a per-kind concurrency limit.
 */
export class DbJobQueue implements JobQueue {
  readonly workerId: string;
  private readonly store: JobStore;
  private readonly retentionMs: number;
  private readonly logger: JobQueueLogger;
  private readonly observer: JobQueueObserver;
  private lastPollAt: Date | null = null;
  private readonly workers = new Map<string, Worker>();
  private started = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly poll: PollTimer;

  constructor(options: DbJobQueueOptions) {
    this.store = new JobStore(options.handle.db, options.handle.dialect);
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.poll = new PollTimer(options.pollIntervalMs ?? 200);
    this.retentionMs = options.completedRetentionMs ?? 7 * 24 * 60 * 60 * 1000;
    this.logger = options.logger ?? { error: (details, message) => console.error(message, details) };
    this.observer = options.observer ?? IGNORE;
  }

  async enqueue(kind: string, payload: JobPayload, options: EnqueueOptions = {}): Promise<string> {
    const o = { ...DEFAULTS, delayMs: 0, ...options };
    if (!kind) throw errors.invalid('job kind must not be empty');
    if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1)
      throw errors.invalid('maxAttempts must be >= 1');
    if (!Number.isInteger(o.leaseSeconds) || o.leaseSeconds < 1)
      throw errors.invalid('leaseSeconds must be >= 1');
    if (!(o.backoffMs >= 0) || !(o.delayMs >= 0)) throw errors.invalid('backoffMs and delayMs must be >= 0');
    const id = await this.store.insert({
      kind,
      payload: JSON.stringify(payload),
      maxAttempts: o.maxAttempts,
      backoffMs: Math.round(o.backoffMs),
      leaseSeconds: o.leaseSeconds,
      singletonKey: o.singletonKey ?? null,
      delayMs: Math.round(o.delayMs),
    });
    if (this.workers.has(kind) && !o.delayMs) this.poll.wake();
    return id;
  }

  work<P extends JobPayload>(kind: string, handler: JobHandler<P>, options: WorkOptions): void {
    if (this.workers.has(kind)) throw new Error(`a handler for ${kind} jobs is already registered`);
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new Error('concurrency must be a positive integer');
    }
    const worker = {
      kind,
      handler: handler as JobHandler,
      concurrency: options.concurrency,
      running: new Map(),
    };
    this.workers.set(kind, worker);
    this.poll.wake();
  }

  async get(id: string): Promise<JobInfo | null> {
    const row = await this.store.get(id);
    return row ? toJobInfo(row) : null;
  }

  async cancel(id: string): Promise<void> {
    await this.store.cancel(id);
    // A handler of this process stops at once; elsewhere it learns at its next heartbeat.
    for (const worker of this.workers.values()) {
      worker.running.get(id)?.controller.abort(new Error('job cancelled'));
    }
  }

  async depth(): Promise<QueueDepth[]> {
    const byKind = new Map<string, QueueDepth>();
    for (const { kind, state, count } of await this.store.depth()) {
      const d = byKind.get(kind) ?? { kind, queued: 0, active: 0, failed: 0 };
      if (state === 'queued' || state === 'active' || state === 'failed') d[state] = count;
      byKind.set(kind, d);
    }
    return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
  }

  loopStatus(): JobLoopStatus {
    return { running: this.started, lastPollAt: this.lastPollAt };
  }

  pruneCompleted(olderThanMs: number): Promise<number> {
    return this.store.prune(olderThanMs);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    let firstRound!: () => void;
    const polledOnce = new Promise<void>((resolve) => (firstRound = resolve));
    this.loopDone = this.loop(firstRound);
    await polledOnce;
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.started = false;
    this.poll.wake();
    await this.loopDone;
    const running = [...this.workers.values()].flatMap((w) => [...w.running.values()]);
    if (
      await settlesWithin(
        running.map((j) => j.done),
        graceMs,
      )
    )
      return;
    const late = running.filter((job) => this.isRunning(job));
    for (const job of late) {
      job.released = true;
      job.controller.abort(new Error('job queue stopping'));
    }
    await Promise.all(late.map((job) => this.store.release(job.lease).catch((err) => this.report(err, job))));
    await settlesWithin(
      late.map((j) => j.done),
      SETTLE_AFTER_ABORT_MS,
    );
  }

  /** Polls until stopped; `firstRound` is called once the first round ended, well or not. */
  private async loop(firstRound: () => void): Promise<void> {
    let lastSweep = 0;
    let lastPrune = Date.now();
    while (this.started) {
      try {
        if (Date.now() - lastSweep >= SWEEP_EVERY_MS) {
          lastSweep = Date.now();
          this.reportExpired(await this.store.failAbandoned());
        }
        if (this.retentionMs > 0 && Date.now() - lastPrune >= PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          await this.store.prune(this.retentionMs);
        }
        const hungry = [...this.workers.values()].filter((w) => w.running.size < w.concurrency);
        const due = await this.store.dueKinds(hungry.map((w) => w.kind));
        for (const worker of hungry) {
          const free = worker.concurrency - worker.running.size;
          if (free <= 0 || !due.has(worker.kind) || !this.started) continue;
          const rows = await this.store.claim(worker.kind, free, this.workerId);
          // A claimed job that was still active had a worker that let its lease run out.
          this.reportExpired(rows.filter((r) => r.last_error === LEASE_EXPIRED).map((r) => r.kind));
          for (const row of rows) {
            if (this.started) this.run(worker, row);
            else await this.store.release(this.leaseOf(row)).catch((err) => this.report(err, row));
          }
        }
        this.lastPollAt = new Date();
        this.observer.polled(this.lastPollAt);
      } catch (err) {
        this.logger.error({ err, workerId: this.workerId }, 'job queue poll failed');
      }
      firstRound();
      await this.poll.wait();
    }
  }

  private run(worker: Worker, row: JobRow): void {
    const lease = this.leaseOf(row);
    const controller = new AbortController();
    const job: RunningJob = {
      lease,
      controller,
      released: false,
      done: Promise.resolve(),
      leaseMs: row.lease_seconds * 1000,
    };
    worker.running.set(row.id, job);
    this.armLeaseTimer(job);
    const startedAt = performance.now();
    this.observer.attemptStarted(row.kind);
    job.done = this.execute(worker, row, job)
      .catch((err): JobOutcome => {
        this.report(err, row);
        return 'unrecorded';
      })
      .then((outcome) => {
        clearTimeout(job.leaseTimer);
        worker.running.delete(row.id);
        this.poll.wake();
        try {
          this.observer.attemptEnded(row.kind, outcome, (performance.now() - startedAt) / 1000);
        } catch (err) {
          this.logger.error({ err }, 'job queue observer failed');
        }
      });
  }

  /** Runs the handler and records its outcome; a write that finds the lease gone says why. */
  private async execute(worker: Worker, row: JobRow, job: RunningJob): Promise<JobOutcome> {
    let failure: unknown;
    let succeeded = false;
    try {
      const context: JobContext = {
        id: row.id,
        kind: row.kind,
        payload: JSON.parse(row.payload),
        attempt: row.attempt,
        maxAttempts: row.max_attempts,
        signal: job.controller.signal,
        heartbeat: (progress) => this.heartbeat(job, progress),
      };
      await worker.handler(context);
      succeeded = true;
    } catch (err) {
      failure = err;
    }
    if (job.released) return 'released';
    let outcome: JobOutcome;
    let held: boolean;
    if (succeeded) {
      outcome = 'completed';
      held = await this.store.complete(job.lease);
    } else if (failure instanceof PermanentJobError || row.attempt >= row.max_attempts) {
      outcome = 'failed';
      held = await this.store.fail(job.lease, errorText(failure));
    } else {
      outcome = 'retried';
      const delayMs = backoffDelayMs(row.backoff_ms, row.attempt);
      held = await this.store.retry(job.lease, errorText(failure), delayMs);
    }
    if (held) return outcome;
    return (await this.store.stateOf(row.id)) === 'cancelled' ? 'cancelled' : 'lease_lost';
  }

  private reportExpired(kinds: string[]): void {
    const counts = new Map<string, number>();
    for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    for (const [kind, count] of counts) this.observer.leasesExpired(kind, count);
  }

  private async heartbeat(job: RunningJob, progress?: number): Promise<void> {
    if (job.released || job.controller.signal.aborted) return;
    const clamped = progress === undefined ? undefined : Math.min(1, Math.max(0, progress));
    const held = await this.store.heartbeat(job.lease, clamped);
    if (held) this.armLeaseTimer(job);
    else job.controller.abort(new Error('job was cancelled or its lease was lost'));
  }

  private armLeaseTimer(job: RunningJob): void {
    clearTimeout(job.leaseTimer);
    job.leaseTimer = setTimeout(() => {
      job.controller.abort(new Error(`job lease of ${job.leaseMs / 1000} s ran out without a heartbeat`));
    }, job.leaseMs);
    job.leaseTimer.unref();
  }

  private leaseOf(row: JobRow): Lease {
    return { id: row.id, workerId: this.workerId, attempt: row.attempt };
  }

  private isRunning(job: RunningJob): boolean {
    return [...this.workers.values()].some((w) => w.running.get(job.lease.id) === job);
  }

  private report(err: unknown, job: { id: string } | RunningJob): void {
    const id = 'lease' in job ? job.lease.id : job.id;
    this.logger.error(
      { err, jobId: id, workerId: this.workerId },
      'job queue could not record a job outcome',
    );
  }
}
