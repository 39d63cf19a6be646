import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobOutcome, JobQueueObserver, QueueDepth } from '../core/jobs/job-queue.js';
import { cachedSample } from './cached-sample.js';

/** Queue depth is a count query: scrapes share one per this period. */
export const QUEUE_DEPTH_MAX_AGE_MS = 5_000;

/**
 * The job metrics of one process, fed by its queue's observer: the same on every role that runs
 * jobs (`all`, `worker`); an `api` process only enqueues, so it shows the shared queue depth.
 */
export class JobMetrics implements JobQueueObserver {
  private readonly running: Gauge<'kind'>;
  private readonly duration: Histogram<'kind' | 'outcome'>;
  private readonly failures: Counter<'kind'>;
  private readonly retries: Counter<'kind'>;
  private readonly leaseLosses: Counter<'kind'>;
  private readonly leaseExpiries: Counter<'kind'>;
  private readonly registry: Registry;
  /** Made at the first poll: a process that runs no job loop (api) shows no such sample, not a 0. */
  private lastPoll: Gauge | null = null;

  constructor(registry: Registry, queueDepth: () => Promise<QueueDepth[]>) {
    this.registry = registry;
    const registers = [registry];
    const depth = cachedSample(queueDepth, QUEUE_DEPTH_MAX_AGE_MS);
    new Gauge({
      name: 'kiln_job_queue_depth',
      help: 'Jobs in the shared queue by kind and state (queued, active, failed), sampled every 5 s at most',
      labelNames: ['kind', 'state'],
      registers,
      async collect() {
        const sample = await depth();
        if (!sample) return;
        this.reset();
        for (const d of sample) {
          this.set({ kind: d.kind, state: 'queued' }, d.queued);
          this.set({ kind: d.kind, state: 'active' }, d.active);
          this.set({ kind: d.kind, state: 'failed' }, d.failed);
        }
      },
    });
    this.running = new Gauge({
      name: 'kiln_jobs_running',
      help: 'Job attempts running in this process, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.duration = new Histogram({
      name: 'kiln_job_duration_seconds',
      help: 'Duration of job attempts in this process, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.failures = counter(
      registers,
      'kiln_job_failures_total',
      'Jobs that failed for good (no attempts left or a permanent error)',
    );
    this.retries = counter(
      registers,
      'kiln_job_retries_total',
      'Failed attempts put back in the queue with a backoff',
    );
    this.leaseLosses = counter(
      registers,
      'kiln_job_lease_losses_total',
      'Attempts of this process whose outcome was discarded: their lease ran out and another worker took the job',
    );
    this.leaseExpiries = counter(
      registers,
      'kiln_job_lease_expiries_total',
      'Jobs this process took over (or failed) because their worker let the lease run out (a dead or stuck worker)',
    );
  }

  attemptStarted(kind: string): void {
    this.running.inc({ kind });
  }

  attemptEnded(kind: string, outcome: JobOutcome, seconds: number): void {
    this.running.dec({ kind });
    this.duration.observe({ kind, outcome }, seconds);
    if (outcome === 'failed') this.failures.inc({ kind });
    else if (outcome === 'retried') this.retries.inc({ kind });
    else if (outcome === 'lease_lost') this.leaseLosses.inc({ kind });
  }

  leasesExpired(kind: string, count: number): void {
    this.leaseExpiries.inc({ kind }, count);
  }

  polled(at: Date): void {
    this.lastPoll ??= new Gauge({
      name: 'kiln_job_loop_last_poll_timestamp_seconds',
      help: 'When the job loop of this process last polled the queue (Unix time; absent where no job loop runs)',
      registers: [this.registry],
    });
    this.lastPoll.set(at.getTime() / 1000);
  }
}

function counter(registers: Registry[], name: string, help: string): Counter<'kind'> {
  return new Counter({ name, help, labelNames: ['kind'], registers });
}
