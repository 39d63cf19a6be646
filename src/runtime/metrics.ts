import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../adapters/db/database.js';
import type { JobQueue } from '../core/jobs/job-queue.js';

/** Prometheus metrics of one server: its own registry, so several servers can share a process (tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly ingestedBytes: Counter;

  constructor(deps: { db: Db; jobs: JobQueue }) {
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
    new Gauge({
      name: 'kiln_job_queue_depth',
      help: 'Jobs by kind and state',
      labelNames: ['kind', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const d of await deps.jobs.depth()) {
          this.set({ kind: d.kind, state: 'queued' }, d.queued);
          this.set({ kind: d.kind, state: 'active' }, d.active);
          this.set({ kind: d.kind, state: 'failed' }, d.failed);
        }
      },
    });
    new Gauge({
      name: 'kiln_stored_bytes',
      help: 'Bytes stored: originals and renditions of live assets',
      registers: [this.registry],
      async collect() {
        const a = await deps.db
          .selectFrom('assets')
          .select((eb) => eb.fn.sum<number>('size').as('n'))
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        const r = await deps.db
          .selectFrom('renditions')
          .select((eb) => eb.fn.sum<number>('size').as('n'))
          .executeTakeFirst();
        this.set(Number(a?.n ?? 0) + Number(r?.n ?? 0));
      },
    });
  }
}
