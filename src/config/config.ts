import { availableParallelism, totalmem } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * One typed configuration for the whole server: each setting has its flag (if any), its KILN_*
 * variable, its default and its validation here, in one place. Loaded once at start, then frozen.
 * Every setting is documented in docs/configuration.md.
 */
const bool = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])])
  .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes' || v === 'on');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const schema = z.object({
  port: int(0, 65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  dataDir: z.string().min(1).default('./kiln-data'),
  publicUrl: z.string().url().optional(),
  /**
   * A separate origin for user files (e.g. https://files.example.net, pointing at the same server):
   * links to uploaded files are built on it, and only requests that arrive on it may show active
   * types (HTML, SVG, XML, PDF...) inline. Unset: everything on the public URL, active types as attachments.
   */
  deliveryUrl: z
    .string()
    .url()
    .refine((u) => /^https?:\/\/[^/?#]+\/?$/.test(u), 'must be an origin (scheme://host[:port]) with no path')
    .optional(),
  role: z.enum(ROLES).default('all'),
  databaseUrl: z.string().optional(),
  storageUrl: z.string().optional(),
  masterKey: z.string().optional(),
  /** Bearer token of Kiln's operator API (account limits); unset, that API is off. */
  adminToken: z.string().min(16).optional(),
  allowPrivateFetch: bool.default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: human-readable lines when stdout is a terminal, JSON lines otherwise. */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
  ffmpegPath: z.string().optional(),
  ffprobePath: z.string().optional(),
  /** How ffmpeg/ffprobe are confined (src/adapters/ffmpeg/sandboxed-command.ts). */
  mediaSandbox: z.enum(['auto', 'bwrap', 'off']).default('auto'),
  /** Largest single upload body accepted by the generic ingest path. */
  maxUploadBytes: int(1, Number.MAX_SAFE_INTEGER).default(5 * 1024 ** 3),
  /** Seconds in-flight requests get to finish on shutdown. */
  shutdownGraceSeconds: int(0, 3600).default(25),
  workerConcurrency: int(1, 64).default(2),
  imageMaxInputPixels: int(1, 10_000_000_000).default(100_000_000),
  imageMaxOutputDimension: int(1, 100_000).default(8192),
  imageMaxFrames: int(1, 10_000).default(1000),
  imageTimeoutSeconds: int(1, 600).default(30),
  // imgproxy's default (workers = 2 x CPUs): a render's own JS, I/O and encode hand-off then overlap
  // with the next render instead of leaving a core idle (measured in bench/images).
  imageConcurrency: int(1, 256).default(() => Math.min(256, 2 * availableParallelism())),
  imageQueueSize: int(0, 10_000).default(64),
  imageSourceCacheMb: int(0, 100_000).default(64),
  /** Memory for hot delivery results: variants, thumbnails, small originals (MiB; 0: none). */
  deliveryCacheMb: int(0, 100_000).default(64),
  /** Largest single result kept in that memory (KiB). */
  deliveryCacheMaxEntryKb: int(0, 1_000_000).default(1024),
  /**
   * How long what a delivery URL resolves to (account, image, asset, variant, signing keys) is reused
   * without asking the database (seconds; 0: always ask). Writes on this node invalidate at once;
   * writes on other nodes are seen within this time.
   */
  deliveryResolveTtlSeconds: int(0, 3600).default(5),
  /**
   * Remote image sources that image URLs may transform: comma-separated URL prefixes, or `*` for any
   * public address; empty (the default) allows none.
   */
  imageSources: z.string().default(''),
  /** Largest remote source fetched (MiB), its time limit, and how long a source without Cache-Control stays fresh. */
  imageSourceMaxMb: int(1, 10_000).default(50),
  imageSourceTimeoutSeconds: int(1, 600).default(15),
  imageSourceDefaultTtlSeconds: int(0, 31_536_000).default(3600),
  /** Bytes of remote sources kept in the blob store (least recently used beyond it are evicted); 0: no cap. */
  imageSourceStoreMb: int(0, 10_000_000).default(2048),
  /** imgproxy dialect: accept `insecure`/`unsafe` in place of a signature. */
  imgproxyAllowInsecure: bool.default(false),
  /** imgproxy dialect: bytes of the HMAC kept in a signature (imgproxy's IMGPROXY_SIGNATURE_SIZE). */
  imgproxySignatureSize: int(1, 32).default(32),
  /** imgproxy dialect: presets, `name=option/option,name2=...` (imgproxy's IMGPROXY_PRESETS). */
  imgproxyPresets: z.string().default(''),
  /**
   * Memory the transforms of this process may hold at once (MiB), by estimated cost: a quarter of
   * the machine's memory, at least 512 MiB (the largest allowed input must fit) and at most 8 GiB.
   */
  imageMemoryBudgetMb: int(1, 1_000_000).default(() =>
    Math.round(Math.min(8192, Math.max(512, totalmem() / 4 / 1024 ** 2))),
  ),
  /** Stored variants kept per asset (least recently used beyond it are evicted); 0: no cap. */
  variantsPerAsset: int(0, 1_000_000).default(100),
  /** Bytes of stored variants kept per account (least recently used beyond it are evicted); 0: no cap. */
  variantBytesPerAccount: int(0, Number.MAX_SAFE_INTEGER).default(5 * 1024 ** 3),
  /** Delay (and period) of the eviction run after a new variant goes over a cap. */
  variantEvictionDelaySeconds: int(1, 3600).default(5),
  /** How often the last use of variants, kept in memory, is written to the database. */
  variantUsageFlushSeconds: int(1, 3600).default(10),
  /** How often this process adds its in-memory usage counters to the database (docs/usage.md). */
  usageFlushSeconds: int(1, 3600).default(5),
  /** How often stored bytes are sampled and old hourly usage rolled up (a periodic job). */
  usageSampleSeconds: int(10, 86400).default(300),
  /** Hourly usage rows older than this are rolled up into daily rows. */
  usageHourlyRetentionHours: int(1, 24 * 3650).default(24 * 14),
  /**
   * The one RTMP port of every live input (Cloudflare Stream live inputs; publishers are told apart
   * by stream key). 0 disables live ingest in this process.
   */
  rtmpPort: int(0, 65535).default(1935),
  /** The one SRT (UDP) port of every live input, callers told apart by streamid; 0: rtmpPort's number. */
  srtPort: int(0, 65535).default(0),
  /** RTMPS port, served only when rtmpsCert and rtmpsKey (PEM files) are set; then rtmps.url is rtmps://. */
  rtmpsPort: int(1, 65535).default(1936),
  rtmpsCert: z.string().min(1).optional(),
  rtmpsKey: z.string().min(1).optional(),
  /** How long a node's hold on a live broadcast lasts unless renewed (a dead node's input is free after it). */
  liveLeaseSeconds: int(2, 600).default(10),
  /** How many live inputs can exist at once (the size of the ingest port range). */
  livePorts: int(1, 10_000).default(100),
  /** Uploadcare `/base/`: largest file in a direct upload (the service's 100 MB). */
  uploadcareDirectMaxBytes: int(1, Number.MAX_SAFE_INTEGER).default(100 * 1024 * 1024),
  /** Uploadcare multipart uploads not completed within this many seconds are aborted and removed. */
  uploadcareMultipartTtlSeconds: int(1, 30 * 86400).default(86400),
  /** Uploadcare `/from_url/`: time limit of one download. */
  uploadcareFetchTimeoutSeconds: int(1, 3600).default(120),
  /** Uploadcare upload API: requests per second per account (token bucket, burst twice that). */
  uploadcareRequestsPerSecond: int(1, 100_000).default(50),
  /**
   * Uploadcare REST `remote_copy` targets: a JSON object of storage name -> storage URL
   * (`s3://bucket/prefix?endpoint=...`, as KILN_STORAGE_URL, or `file:///abs/path`). Empty: none.
   */
  uploadcareRemoteStorages: z
    .string()
    .default('{}')
    .refine(isStorageMap, 'must be a JSON object of name -> s3:// or file:// URL'),
  /** Time a client gets to send all request headers (slowloris); 0 = Node's default (60 s). */
  headersTimeoutSeconds: int(0, 3600).default(30),
  /** A connection with no bytes in either direction for this long is closed (stalled bodies, abandoned uploads). */
  idleTimeoutSeconds: int(0, 86_400).default(120),
  /** Time a whole request (headers and body) may take; 0 = unlimited, as large uploads on slow links need. */
  requestTimeoutSeconds: int(0, 86_400).default(0),
  /** Trust X-Forwarded-* from: `true`, `false`, a hop count, or addresses/CIDRs/`loopback`,`linklocal`,`uniquelocal`. */
  trustProxy: z.string().min(1).default('loopback,linklocal,uniquelocal'),
  /** Native API requests per minute per client IP (token bucket, per process); 0 = off. */
  rateLimitIpPerMinute: int(0, 10_000_000).default(1200),
  /** Native API requests per minute per account (token bucket, per process); 0 = off. */
  rateLimitAccountPerMinute: int(0, 10_000_000).default(6000),
  /** Failed authentications per window per client IP, every dialect, shared by all nodes; 0 = off. */
  authFailuresPerIp: int(0, 10_000_000).default(60),
  /** Failed authentications per window against one account (from any address); 0 = off. */
  authFailuresPerAccount: int(0, 10_000_000).default(600),
  /** The fixed window those two limits count in, in seconds; a blocked key waits for its end. */
  authFailureWindowSeconds: int(1, 86_400).default(60),
  /** Seconds between two expiry sweeps (one sweep per period across all workers). */
  expirySweepSeconds: int(1, 86_400).default(60),
  /** Seconds between two orphan sweeps (blobs without an asset row, stale incomplete uploads). */
  orphanSweepSeconds: int(1, 7 * 86_400).default(3600),
  /** Only orphans and incomplete uploads older than this are removed: longer than any resumable upload lives. */
  orphanMinAgeSeconds: int(1, 365 * 86_400).default(2 * 86_400),
  /** Lease of a video processing job: a worker that dies mid-transcode is replaced after this. */
  streamLeaseSeconds: int(2, 3600).default(120),
});

/** Where each setting comes from: flag name (commander camelCase) and environment variable. */
export const SETTINGS: Record<keyof z.input<typeof schema>, { env: string; flag?: string }> = {
  port: { env: 'KILN_PORT', flag: 'port' },
  host: { env: 'KILN_HOST', flag: 'host' },
  dataDir: { env: 'KILN_DATA_DIR', flag: 'data' },
  publicUrl: { env: 'KILN_PUBLIC_URL', flag: 'publicUrl' },
  deliveryUrl: { env: 'KILN_DELIVERY_URL' },
  role: { env: 'KILN_ROLE', flag: 'role' },
  databaseUrl: { env: 'KILN_DATABASE_URL' },
  storageUrl: { env: 'KILN_STORAGE_URL' },
  masterKey: { env: 'KILN_MASTER_KEY' },
  adminToken: { env: 'KILN_ADMIN_TOKEN' },
  allowPrivateFetch: { env: 'KILN_ALLOW_PRIVATE_FETCH' },
  logLevel: { env: 'KILN_LOG_LEVEL', flag: 'logLevel' },
  logFormat: { env: 'KILN_LOG_FORMAT', flag: 'logFormat' },
  ffmpegPath: { env: 'KILN_FFMPEG' },
  ffprobePath: { env: 'KILN_FFPROBE' },
  mediaSandbox: { env: 'KILN_MEDIA_SANDBOX' },
  maxUploadBytes: { env: 'KILN_MAX_UPLOAD_BYTES' },
  shutdownGraceSeconds: { env: 'KILN_SHUTDOWN_GRACE_SECONDS' },
  workerConcurrency: { env: 'KILN_WORKER_CONCURRENCY' },
  imageMaxInputPixels: { env: 'KILN_IMAGE_MAX_INPUT_PIXELS' },
  imageMaxOutputDimension: { env: 'KILN_IMAGE_MAX_OUTPUT_DIMENSION' },
  imageMaxFrames: { env: 'KILN_IMAGE_MAX_FRAMES' },
  imageTimeoutSeconds: { env: 'KILN_IMAGE_TIMEOUT_SECONDS' },
  imageConcurrency: { env: 'KILN_IMAGE_CONCURRENCY' },
  imageQueueSize: { env: 'KILN_IMAGE_QUEUE_SIZE' },
  imageSourceCacheMb: { env: 'KILN_IMAGE_SOURCE_CACHE_MB' },
  imageSources: { env: 'KILN_IMAGE_SOURCES' },
  imageSourceMaxMb: { env: 'KILN_IMAGE_SOURCE_MAX_MB' },
  imageSourceTimeoutSeconds: { env: 'KILN_IMAGE_SOURCE_TIMEOUT_SECONDS' },
  imageSourceDefaultTtlSeconds: { env: 'KILN_IMAGE_SOURCE_DEFAULT_TTL_SECONDS' },
  imageSourceStoreMb: { env: 'KILN_IMAGE_SOURCE_STORE_MB' },
  imgproxyAllowInsecure: { env: 'KILN_IMGPROXY_ALLOW_INSECURE' },
  imgproxySignatureSize: { env: 'KILN_IMGPROXY_SIGNATURE_SIZE' },
  imgproxyPresets: { env: 'KILN_IMGPROXY_PRESETS' },
  deliveryCacheMb: { env: 'KILN_DELIVERY_CACHE_MB' },
  deliveryCacheMaxEntryKb: { env: 'KILN_DELIVERY_CACHE_MAX_ENTRY_KB' },
  deliveryResolveTtlSeconds: { env: 'KILN_DELIVERY_RESOLVE_TTL_SECONDS' },
  imageMemoryBudgetMb: { env: 'KILN_IMAGE_MEMORY_BUDGET_MB' },
  variantsPerAsset: { env: 'KILN_VARIANTS_PER_ASSET' },
  variantBytesPerAccount: { env: 'KILN_VARIANT_BYTES_PER_ACCOUNT' },
  variantEvictionDelaySeconds: { env: 'KILN_VARIANT_EVICTION_DELAY_SECONDS' },
  variantUsageFlushSeconds: { env: 'KILN_VARIANT_USAGE_FLUSH_SECONDS' },
  usageFlushSeconds: { env: 'KILN_USAGE_FLUSH_SECONDS' },
  usageSampleSeconds: { env: 'KILN_USAGE_SAMPLE_SECONDS' },
  usageHourlyRetentionHours: { env: 'KILN_USAGE_HOURLY_RETENTION_HOURS' },
  rtmpPort: { env: 'KILN_RTMP_PORT' },
  srtPort: { env: 'KILN_SRT_PORT' },
  rtmpsPort: { env: 'KILN_RTMPS_PORT' },
  rtmpsCert: { env: 'KILN_RTMPS_CERT' },
  rtmpsKey: { env: 'KILN_RTMPS_KEY' },
  liveLeaseSeconds: { env: 'KILN_LIVE_LEASE_SECONDS' },
  livePorts: { env: 'KILN_LIVE_PORTS' },
  uploadcareDirectMaxBytes: { env: 'KILN_UPLOADCARE_DIRECT_MAX_BYTES' },
  uploadcareMultipartTtlSeconds: { env: 'KILN_UPLOADCARE_MULTIPART_TTL_SECONDS' },
  uploadcareFetchTimeoutSeconds: { env: 'KILN_UPLOADCARE_FETCH_TIMEOUT_SECONDS' },
  uploadcareRequestsPerSecond: { env: 'KILN_UPLOADCARE_REQUESTS_PER_SECOND' },
  uploadcareRemoteStorages: { env: 'KILN_UPLOADCARE_REMOTE_STORAGES' },
  headersTimeoutSeconds: { env: 'KILN_HEADERS_TIMEOUT_SECONDS' },
  idleTimeoutSeconds: { env: 'KILN_IDLE_TIMEOUT_SECONDS' },
  requestTimeoutSeconds: { env: 'KILN_REQUEST_TIMEOUT_SECONDS' },
  trustProxy: { env: 'KILN_TRUST_PROXY' },
  rateLimitIpPerMinute: { env: 'KILN_RATE_LIMIT_IP_PER_MINUTE' },
  rateLimitAccountPerMinute: { env: 'KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE' },
  authFailuresPerIp: { env: 'KILN_AUTH_FAILURES_PER_IP' },
  authFailuresPerAccount: { env: 'KILN_AUTH_FAILURES_PER_ACCOUNT' },
  authFailureWindowSeconds: { env: 'KILN_AUTH_FAILURE_WINDOW_SECONDS' },
  expirySweepSeconds: { env: 'KILN_EXPIRY_SWEEP_SECONDS' },
  orphanSweepSeconds: { env: 'KILN_ORPHAN_SWEEP_SECONDS' },
  orphanMinAgeSeconds: { env: 'KILN_ORPHAN_MIN_AGE_SECONDS' },
  streamLeaseSeconds: { env: 'KILN_STREAM_LEASE_SECONDS' },
};

export type KilnConfig = Readonly<
  z.output<typeof schema> & {
    publicUrl: string;
    dataDir: string;
    databaseUrl: string;
    /** True when running on the embedded backends (SQLite, local disk). */
    embedded: boolean;
  }
>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Flags win over environment variables, which win over defaults. */
export function loadConfig(
  flags: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): KilnConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(SETTINGS)) {
    const fromFlag = source.flag ? flags[source.flag] : undefined;
    const fromEnv = env[source.env];
    const value = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    if (value !== undefined) raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]) as keyof typeof SETTINGS;
    const source = SETTINGS[key];
    const where = source?.flag ? `--${kebab(source.flag)} / ${source.env}` : (source?.env ?? key);
    throw new ConfigError(`Invalid value for ${where}: ${issue.message} (got ${JSON.stringify(raw[key])})`);
  }
  const c = parsed.data;
  const dataDir = isAbsolute(c.dataDir) ? c.dataDir : resolve(c.dataDir);
  const publicUrl = (c.publicUrl ?? `http://localhost:${c.port}`).replace(/\/+$/, '');
  const databaseUrl = c.databaseUrl ?? `sqlite://${join(dataDir, 'kiln.db')}`;
  if (!/^(postgres(ql)?|sqlite):\/\//.test(databaseUrl)) {
    throw new ConfigError('Invalid value for KILN_DATABASE_URL: must start with postgres:// or sqlite://');
  }
  if (c.storageUrl !== undefined && !/^(s3|file):\/\//.test(c.storageUrl)) {
    throw new ConfigError('Invalid value for KILN_STORAGE_URL: must start with s3:// or file://');
  }
  return Object.freeze({
    ...c,
    dataDir,
    publicUrl,
    deliveryUrl: c.deliveryUrl?.replace(/\/+$/, ''),
    databaseUrl,
    embedded: !databaseUrl.startsWith('postgres') && !c.storageUrl?.startsWith('s3://'),
  });
}

function isStorageMap(value: string): boolean {
  try {
    const map = JSON.parse(value) as unknown;
    return (
      typeof map === 'object' &&
      map !== null &&
      !Array.isArray(map) &&
      Object.values(map).every((v) => typeof v === 'string' && /^(s3|file):\/\//.test(v))
    );
  } catch {
    return false;
  }
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}
