import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../adapters/db/database.js';
import type { QueueDepth } from '../core/jobs/job-queue.js';
import { cachedSample } from './cached-sample.js';
import { JobMetrics } from './job-metrics.js';

/** Sums over the asset tables are queries too: scrapes share one per this period. */
const STORED_BYTES_MAX_AGE_MS = 5_000;

/** Prometheus metrics of one server: its own registry, so several servers can share a process (tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly ingestedBytes: Counter;
  /** The job queue's observer: attempts, outcomes, lease losses, queue depth. */
  readonly jobs: JobMetrics;

  constructor(deps: { db: Db; queueDepth: () => Promise<QueueDepth[]> }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kiln_' });
    this.httpRequests = new Counter({
      name: 'kiln_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'kiln_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.ingestedBytes = new Counter({
      name: 'kiln_ingested_bytes_total',
      help: 'Bytes received into the blob store',
      registers: [this.registry],
    });
    this.jobs = new JobMetrics(this.registry, deps.queueDepth);
    const storedBytes = cachedSample(async () => {
      const a = await deps.db
        .selectFrom('assets')
        .select((eb) => eb.fn.sum<number>('size').as('n'))
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      const r = await deps.db
        .selectFrom('renditions')
        .select((eb) => eb.fn.sum<number>('size').as('n'))
        .executeTakeFirst();
      return Number(a?.n ?? 0) + Number(r?.n ?? 0);
    }, STORED_BYTES_MAX_AGE_MS);
    new Gauge({
      name: 'kiln_stored_bytes',
      help: 'Bytes stored: originals and renditions of live assets (sampled every 5 s at most)',
      registers: [this.registry],
      async collect() {
        const n = await storedBytes();
        if (n !== undefined) this.set(n);
      },
    });
  }
}
