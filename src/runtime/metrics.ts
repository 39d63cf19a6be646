import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../adapters/db/database.js';
import type { ImageService } from '../core/images/image-service.js';
import type { VariantStats } from '../core/images/variant-limits.js';
import { VARIANT_KIND } from '../core/images/variant-name.js';
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

  constructor(deps: {
    db: Db;
    queueDepth: () => Promise<QueueDepth[]>;
    images?: ImageService;
    variantStats?: VariantStats;
  }) {
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
    if (deps.images) imageMetrics(this.registry, deps.images);
    if (deps.variantStats) variantMetrics(this.registry, deps.db, deps.variantStats);
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

/** Admission by cost: what the transforms of this process hold, and what was refused. */
function imageMetrics(registry: Registry, images: ImageService): void {
  const { limiter } = images;
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge(
    'kiln_image_admitted_cost_bytes',
    'Estimated memory of the image transforms running now',
    () => limiter.admittedBytes,
  );
  gauge(
    'kiln_image_admitted_cost_peak_bytes',
    'Highest estimated memory of image transforms running at once since start',
    () => limiter.peakAdmittedBytes,
  );
  gauge('kiln_image_memory_budget_bytes', 'Memory budget that image transforms are admitted against', () =>
    Number.isFinite(limiter.budgetBytes) ? limiter.budgetBytes : -1,
  );
  gauge('kiln_image_transforms_active', 'Image transforms running now', () => limiter.active);
  gauge(
    'kiln_image_transforms_peak_active',
    'Most image transforms running at once since start',
    () => limiter.peakActive,
  );
  gauge('kiln_image_transforms_queued', 'Image transforms waiting for admission', () => limiter.queued);
  new Counter({
    name: 'kiln_image_transforms_refused_total',
    help: 'Image transforms refused: too_costly (estimate over the whole budget, 4xx) or busy (queue full, 503)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ reason: 'too_costly' }, limiter.refusedTooCostly);
      this.inc({ reason: 'busy' }, limiter.refusedBusy);
    },
  });
}

/** Bounded variant storage: variants stored and evicted by this process, and what is stored now. */
function variantMetrics(registry: Registry, db: Db, stats: VariantStats): void {
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('kiln_image_variants_stored_total', 'Image variants rendered and stored', () => stats.stored);
  counter(
    'kiln_image_variants_stored_bytes_total',
    'Bytes of image variants stored',
    () => stats.storedBytes,
  );
  counter(
    'kiln_image_variants_evicted_total',
    'Image variants evicted (least recently used)',
    () => stats.evicted,
  );
  counter(
    'kiln_image_variants_evicted_bytes_total',
    'Bytes of image variants evicted',
    () => stats.evictedBytes,
  );
  // A query: sampled like the stored bytes, and a database outage leaves /metrics answering.
  const variantBytes = cachedSample(async () => {
    const r = await db
      .selectFrom('renditions')
      .select((eb) => eb.fn.sum<number>('size').as('n'))
      .where('kind', '=', VARIANT_KIND)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }, STORED_BYTES_MAX_AGE_MS);
  new Gauge({
    name: 'kiln_image_variant_bytes',
    help: 'Bytes of image variants stored now (all accounts; sampled every 5 s at most)',
    registers: [registry],
    async collect() {
      const n = await variantBytes();
      if (n !== undefined) this.set(n);
    },
  });
}
