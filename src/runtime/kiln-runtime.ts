import { hkdfSync } from 'node:crypto';
import type { BlobStore } from '../adapters/blobs/blob-store.js';
import { createBlobStore } from '../adapters/blobs/create-blob-store.js';
import { type DatabaseHandle, type Db, openDatabase } from '../adapters/db/database.js';
import { migrateToLatest } from '../adapters/db/migrate.js';
import { createJobQueue } from '../adapters/queue/create-job-queue.js';
import type { KilnConfig } from '../config/config.js';
import { AccountService } from '../core/accounts/account-service.js';
import { AssetRepository } from '../core/assets/asset-repository.js';
import { RenditionRepository } from '../core/assets/rendition-repository.js';
import { createImageService, type ImageService } from '../core/images/image-service.js';
import { IngestService } from '../core/ingest/ingest-service.js';
import type { JobQueue } from '../core/jobs/job-queue.js';
import { createRateLimits, type RateLimits } from '../core/limits/rate-limiter.js';
import { SecretBox } from '../core/signing/secret-box.js';
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
  metrics: Metrics;
  /** Per-IP and per-account request limits of this process (token buckets). */
  rateLimits: RateLimits;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Apply pending migrations at start (default true). */
  migrate?: boolean;
  logger?: Logger;
}

export async function createRuntime(config: KilnConfig, options: RuntimeOptions = {}): Promise<KilnRuntime> {
  const log = options.logger ?? createLogger(config.logLevel);
  const database = await openDatabase({ url: config.databaseUrl });
  const closers: Array<() => Promise<void>> = [() => database.close()];
  try {
    if (options.migrate !== false) await migrateToLatest(database);
    const masterKey = await resolveMasterKey(config, database);
    const box = new SecretBox(masterKey);
    const linkKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'kiln delivery links', 32));
    const blobs = await createBlobStore({ storageUrl: config.storageUrl, dataDir: config.dataDir });
    closers.unshift(() => blobs.close());
    const jobs = await createJobQueue({ handle: database, logger: log });
    closers.unshift(() => jobs.stop(config.shutdownGraceSeconds * 1000));
    const db = database.db;
    const accounts = new AccountService(db, box);
    const images = createImageService(config);
    const metrics = new Metrics({ db, jobs });
    const ingest = new IngestService({ db, blobs, accounts, metrics, imageLimits: images.limits });
    return {
      config,
      log,
      database,
      db,
      blobs,
      jobs,
      box,
      linkKey,
      accounts,
      ingest,
      assets: new AssetRepository(db),
      renditions: new RenditionRepository(db),
      images,
      metrics,
      rateLimits: createRateLimits(config),
      close: async () => {
        for (const close of closers) await close().catch((err) => log.error({ err }, 'close failed'));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}
