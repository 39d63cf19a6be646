import { hkdfSync } from 'node:crypto';
import { createBlobStore } from '../adapters/blobs/create-blob-store.js';
import { type DatabaseHandle, type Db, openDatabase } from '../adapters/db/database.js';
import { migrateToLatest } from '../adapters/db/migrate.js';
import { createJobQueue } from '../adapters/queue/create-job-queue.js';
import type { KilnConfig } from '../config/config.js';
import { AccountService } from '../core/accounts/account-service.js';
import { AssetRepository } from '../core/assets/asset-repository.js';
import { RenditionRepository } from '../core/assets/rendition-repository.js';
import type { BlobStore } from '../core/blobs/blob-store.js';
import { SigningKeys } from '../core/cloudflare-stream/signing-keys.js';
import { HotCache } from '../core/delivery/hot-cache.js';
import { ResolutionCache } from '../core/delivery/resolution-cache.js';
import type { Resolver, UrlPolicy } from '../core/fetch/check-url.js';
import { createImageService, type ImageService } from '../core/images/image-service.js';
import { scheduleSourceEviction } from '../core/images/remote-sources/evict-remote-sources.js';
import { RemoteSourceCache } from '../core/images/remote-sources/remote-source-cache.js';
import { SourceAllowList } from '../core/images/remote-sources/source-allow-list.js';
import type { VariantCaps, VariantStats } from '../core/images/variant-limits.js';
import { VariantRenderer } from '../core/images/variant-renderer.js';
import { VariantRepository } from '../core/images/variant-repository.js';
import { VariantUsageTracker } from '../core/images/variant-usage-tracker.js';
import { IngestService } from '../core/ingest/ingest-service.js';
import type { JobQueue } from '../core/jobs/job-queue.js';
import { DbAuthFailureCounter } from '../core/limits/auth-failure-counter.js';
import { FailedAuthLimiter } from '../core/limits/failed-auth-limiter.js';
import { createRateLimits, type RateLimits } from '../core/limits/rate-limiter.js';
import { SecretBox } from '../core/signing/secret-box.js';
import { UsageMeter } from '../core/usage/usage-meter.js';
import { UsageRepository } from '../core/usage/usage-repository.js';
import { forgetDeletedBlobs } from './forget-deleted-blobs.js';
import { createLogger, type Logger } from './logger.js';
import { resolveMasterKey } from './master-key.js';
import { Metrics } from './metrics.js';

/**
 * The composition root: every backend and core service of one Kiln process, built from config.
 * The HTTP layer and the workers receive this; nothing else reaches for globals.
 */
export interface KilnRuntime {
  config: KilnConfig;
  log: Logger;
  database: DatabaseHandle;
  db: Db;
  blobs: BlobStore;
  /** Hot delivery results in memory (variants, small originals). */
  hot: HotCache;
  /** What delivery URLs resolve to, reused until a write or the TTL (see resolution-cache.ts). */
  resolutions: ResolutionCache;
  jobs: JobQueue;
  box: SecretBox;
  /** Key for Kiln's own signed delivery links (derived from the master key). */
  linkKey: Buffer;
  accounts: AccountService;
  assets: AssetRepository;
  renditions: RenditionRepository;
  /** The one ingest path of every upload of every dialect. */
  ingest: IngestService;
  /** The one image pipeline with its variant cache, concurrency limit and queue. */
  images: ImageService;
  /** Image variants: render, store, record and keep under the caps (every grammar goes through it). */
  variants: VariantRenderer;
  variantStore: {
    repository: VariantRepository;
    usage: VariantUsageTracker;
    caps: VariantCaps;
    stats: VariantStats;
  };
  /** Remote image sources (KILN_IMAGE_SOURCES): fetched once, kept with validators, bounded. */
  remoteSources: RemoteSourceCache;
  metrics: Metrics;
  /** Per-IP and per-account request limits of this process (token buckets). */
  rateLimits: RateLimits;
  /** What every outgoing fetch, webhook and restream may reach (KILN_ALLOW_PRIVATE_FETCH) and its DNS. */
  fetchPolicy: UrlPolicy;
  /** The one limit on failed authentication, every dialect, counted in the database. */
  failedAuth: FailedAuthLimiter;
  /** Cloudflare Stream's signing keys (RS256 playback tokens): one repository for every request. */
  streamSigningKeys: SigningKeys;
  /** Usage per account and hour: counted in memory by the core, flushed as increments (docs/usage.md). */
  usage: { meter: UsageMeter; repository: UsageRepository };
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Apply pending migrations at start (default true). */
  migrate?: boolean;
  logger?: Logger;
  /** DNS for outgoing fetches, webhooks and restreams (default: the system's); tests pass their own. */
  resolver?: Resolver;
}

export async function createRuntime(config: KilnConfig, options: RuntimeOptions = {}): Promise<KilnRuntime> {
  const log = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const database = await openDatabase({ url: config.databaseUrl });
  const closers: Array<() => Promise<void>> = [() => database.close()];
  try {
    if (options.migrate !== false) await migrateToLatest(database);
    const masterKey = await resolveMasterKey(config, database);
    const box = new SecretBox(masterKey);
    const linkKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'kiln delivery links', 32));
    const blobs = await createBlobStore({ storageUrl: config.storageUrl, dataDir: config.dataDir });
    closers.unshift(() => blobs.close());
    const db = database.db;
    const accounts = new AccountService(db, box);
    const hot = new HotCache(
      config.deliveryCacheMb * 1024 * 1024,
      config.deliveryCacheMaxEntryKb * 1024,
      config.deliveryResolveTtlSeconds * 1000,
    );
    forgetDeletedBlobs(blobs, hot);
    const resolutions = new ResolutionCache(database.writes, {
      ttlMs: config.deliveryResolveTtlSeconds * 1000,
      maxEntries: 10_000,
    });
    const images = createImageService(config, hot);
    const stats: VariantStats = { stored: 0, storedBytes: 0, evicted: 0, evictedBytes: 0 };
    // The queue reports to the metrics, and the metrics sample the queue's depth.
    const metrics = new Metrics({ db, queueDepth: () => jobs.depth(), images, variantStats: stats });
    const jobs = createJobQueue({ handle: database, logger: log, observer: metrics.jobs });
    closers.unshift(() => jobs.stop(config.shutdownGraceSeconds * 1000));
    const renditions = new RenditionRepository(db);
    const variantRepository = new VariantRepository(db);
    const usage = new VariantUsageTracker(variantRepository);
    const caps: VariantCaps = {
      perAsset: config.variantsPerAsset,
      bytesPerAccount: config.variantBytesPerAccount,
      evictionDelaySeconds: config.variantEvictionDelaySeconds,
    };
    const flushUsage = () => usage.flush().catch((err) => log.warn({ err }, 'variant usage flush failed'));
    const flushTimer = setInterval(flushUsage, config.variantUsageFlushSeconds * 1000);
    flushTimer.unref();
    // Runs before the queue and the database close.
    closers.unshift(async () => {
      clearInterval(flushTimer);
      await flushUsage();
    });
    const usageRepository = new UsageRepository(db);
    const meter = new UsageMeter(usageRepository);
    const flushMeter = () => meter.flush().catch((err) => log.warn({ err }, 'usage flush failed'));
    const meterTimer = setInterval(flushMeter, config.usageFlushSeconds * 1000);
    meterTimer.unref();
    closers.unshift(async () => {
      clearInterval(meterTimer);
      await flushMeter();
    });
    const fetchPolicy: UrlPolicy = Object.freeze({
      allowPrivate: config.allowPrivateFetch,
      resolver: options.resolver,
    });
    const ingest = new IngestService({
      db,
      blobs,
      accounts,
      metrics,
      usage: meter,
      imageLimits: images.limits,
    });
    return {
      config,
      log,
      database,
      db,
      blobs,
      hot,
      resolutions,
      jobs,
      box,
      linkKey,
      accounts,
      ingest,
      assets: new AssetRepository(db),
      renditions,
      images,
      variants: new VariantRenderer({
        images,
        blobs,
        jobs,
        renditions,
        variants: variantRepository,
        usage,
        caps,
        stats,
        meter,
      }),
      variantStore: { repository: variantRepository, usage, caps, stats },
      metrics,
      remoteSources: new RemoteSourceCache({
        db,
        blobs,
        allowList: new SourceAllowList(config.imageSources),
        policy: {
          ...fetchPolicy,
          maxBytes: config.imageSourceMaxMb * 1024 * 1024,
          timeoutMs: config.imageSourceTimeoutSeconds * 1000,
        },
        defaultTtlSeconds: config.imageSourceDefaultTtlSeconds,
        onStored: async () => {
          if (config.imageSourceStoreMb > 0)
            await scheduleSourceEviction(jobs, config.variantEvictionDelaySeconds);
        },
      }),
      rateLimits: createRateLimits(config),
      fetchPolicy,
      streamSigningKeys: new SigningKeys(db, box),
      failedAuth: new FailedAuthLimiter(new DbAuthFailureCounter(db), {
        perIp: config.authFailuresPerIp,
        perAccount: config.authFailuresPerAccount,
        windowSeconds: config.authFailureWindowSeconds,
      }),
      usage: { meter, repository: usageRepository },
      close: async () => {
        for (const close of closers) await close().catch((err) => log.error({ err }, 'close failed'));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}
