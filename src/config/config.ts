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
  role: z.enum(ROLES).default('all'),
  databaseUrl: z.string().optional(),
  storageUrl: z.string().optional(),
  masterKey: z.string().optional(),
  allowPrivateFetch: bool.default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ffmpegPath: z.string().optional(),
  ffprobePath: z.string().optional(),
  /** Largest single upload body accepted by the generic ingest path. */
  maxUploadBytes: int(1, Number.MAX_SAFE_INTEGER).default(5 * 1024 ** 3),
  /** Seconds in-flight requests get to finish on shutdown. */
  shutdownGraceSeconds: int(0, 3600).default(25),
  workerConcurrency: int(1, 64).default(2),
  imageMaxInputPixels: int(1, 10_000_000_000).default(100_000_000),
  imageMaxOutputDimension: int(1, 100_000).default(8192),
  imageMaxFrames: int(1, 10_000).default(1000),
  imageTimeoutSeconds: int(1, 600).default(30),
  imageConcurrency: int(1, 256).default(2),
  imageQueueSize: int(0, 10_000).default(64),
  /**
   * First live ingest port (Cloudflare Stream live inputs): input slot n listens for RTMP on TCP
   * and SRT on UDP at rtmpPort + n. 0 disables live ingest in this process.
   */
  rtmpPort: int(0, 65535).default(1935),
  /** How many live inputs can exist at once (the size of the ingest port range). */
  livePorts: int(1, 10_000).default(100),
});

/** Where each setting comes from: flag name (commander camelCase) and environment variable. */
export const SETTINGS: Record<keyof z.input<typeof schema>, { env: string; flag?: string }> = {
  port: { env: 'KILN_PORT', flag: 'port' },
  host: { env: 'KILN_HOST', flag: 'host' },
  dataDir: { env: 'KILN_DATA_DIR', flag: 'data' },
  publicUrl: { env: 'KILN_PUBLIC_URL', flag: 'publicUrl' },
  role: { env: 'KILN_ROLE', flag: 'role' },
  databaseUrl: { env: 'KILN_DATABASE_URL' },
  storageUrl: { env: 'KILN_STORAGE_URL' },
  masterKey: { env: 'KILN_MASTER_KEY' },
  allowPrivateFetch: { env: 'KILN_ALLOW_PRIVATE_FETCH' },
  logLevel: { env: 'KILN_LOG_LEVEL' },
  ffmpegPath: { env: 'KILN_FFMPEG' },
  ffprobePath: { env: 'KILN_FFPROBE' },
  maxUploadBytes: { env: 'KILN_MAX_UPLOAD_BYTES' },
  shutdownGraceSeconds: { env: 'KILN_SHUTDOWN_GRACE_SECONDS' },
  workerConcurrency: { env: 'KILN_WORKER_CONCURRENCY' },
  imageMaxInputPixels: { env: 'KILN_IMAGE_MAX_INPUT_PIXELS' },
  imageMaxOutputDimension: { env: 'KILN_IMAGE_MAX_OUTPUT_DIMENSION' },
  imageMaxFrames: { env: 'KILN_IMAGE_MAX_FRAMES' },
  imageTimeoutSeconds: { env: 'KILN_IMAGE_TIMEOUT_SECONDS' },
  imageConcurrency: { env: 'KILN_IMAGE_CONCURRENCY' },
  imageQueueSize: { env: 'KILN_IMAGE_QUEUE_SIZE' },
  rtmpPort: { env: 'KILN_RTMP_PORT' },
  livePorts: { env: 'KILN_LIVE_PORTS' },
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
    databaseUrl,
    embedded: !databaseUrl.startsWith('postgres') && !c.storageUrl?.startsWith('s3://'),
  });
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}
