import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ListMultipartUploadsCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { freePort } from './free-port.js';
import { type S3TestServer, startS3Server } from './s3-server.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/kiln.js');

export type ClusterRole = 'api' | 'worker' | 'all';

/** One spawned `kiln serve` process: its own data dir, port and captured logs. */
export interface KilnProcess {
  readonly name: string;
  readonly role: ClusterRole;
  /** http://127.0.0.1:<port> for api/all nodes, null for workers. */
  readonly url: string | null;
  /** http://127.0.0.1:<port> on every role: /healthz and /metrics (all a worker serves). */
  readonly opsUrl: string;
  readonly dataDir: string;
  readonly pid: number | undefined;
  readonly alive: boolean;
  /** Everything the process wrote to stdout and stderr since its first start. */
  output(): string;
  /** Its JSON log lines (pino), parsed. */
  logs(): Array<Record<string, any>>;
  /** kill -9 (default) or another signal; resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same port, env and data dir; resolves once it is ready. */
  restart(): Promise<void>;
}

export interface KilnCluster {
  apis: KilnProcess[];
  workers: KilnProcess[];
  /** Every process started, including ones added later. */
  processes: KilnProcess[];
  s3: S3TestServer;
  /** A client on the test S3 server, for checking what is (not) in the bucket. */
  s3Client: S3Client;
  /** The environment every process shares (database, storage, master key, log level). */
  env: Record<string, string>;
  /** Runs SQL in the cluster's schema. */
  sql<T extends Record<string, any> = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
  /** `kiln accounts create --json` against the cluster's database, through the CLI. */
  createAccount(name?: string): Promise<AccountCredentials>;
  /** Starts one more process; `env` overrides the shared environment (e.g. a database URL through a proxy). */
  startProcess(role: ClusterRole, env?: Record<string, string>): Promise<KilnProcess>;
  /** The shared database URL with its host:port replaced (to route one process through a proxy). */
  databaseUrlVia(port: number): string;
  /** The shared storage URL with the S3 endpoint's port replaced. */
  storageUrlVia(port: number): string;
  /** Object keys in the bucket under a prefix. */
  objectKeys(prefix?: string): Promise<string[]>;
  /** Incomplete multipart uploads in the bucket. */
  openUploads(): Promise<Array<{ key: string; uploadId: string }>>;
  /** `job done` log lines of a kind across all processes: which process ran which job. */
  jobsDone(kind: string): Array<{ process: string; id: string; attempt: number }>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  apis?: number;
  workers?: number;
  /** Extra environment for every process (keep KILN_LOG_LEVEL at info or lower: readiness is read from the log). */
  env?: Record<string, string>;
}

/**
 * N API and M worker processes (real `node bin/kiln.js serve --role ...`, spawned, run from dist/:
 * build first) on one fresh PostgreSQL schema and one S3 protocol server, sharing a master key.
 * Needs KILN_TEST_DATABASE_URL (the scale-out run).
 */
export async function startKilnCluster(options: ClusterOptions = {}): Promise<KilnCluster> {
  const pgUrl = process.env.KILN_TEST_DATABASE_URL;
  if (!pgUrl) throw new Error('startKilnCluster needs KILN_TEST_DATABASE_URL (run with --scale-out)');
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const cleanups: Array<() => Promise<unknown>> = [];
  const schema = `c_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });
  const databaseUrl = new URL(pgUrl);
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  const pool = new pg.Pool({ connectionString: databaseUrl.toString(), max: 2 });
  pool.on('error', () => {});
  cleanups.push(() => pool.end());
  const s3 = await startS3Server();
  cleanups.push(() => s3.stop());
  const s3Client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  cleanups.push(async () => s3Client.destroy());

  const env: Record<string, string> = {
    KILN_DATABASE_URL: databaseUrl.toString(),
    KILN_STORAGE_URL: s3.storageUrl,
    KILN_MASTER_KEY: randomBytes(32).toString('hex'),
    KILN_LOG_LEVEL: 'info',
    ...options.env,
  };
  const processes: KilnProcess[] = [];
  cleanups.push(() => Promise.all(processes.map((p) => p.kill())));
  const dirs: string[] = [];
  cleanups.push(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-node-'));
    dirs.push(dir);
    return dir;
  };

  const cli = async (args: string[]) =>
    (await run(process.execPath, [BIN, ...args], { env: childEnv({ ...env, KILN_DATA_DIR: newDir() }) }))
      .stdout;
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };

  try {
    // Migrate once up front, so the processes do not race to create the schema's tables.
    await cli(['migrate']);
    const started: Partial<Record<ClusterRole, number>> = {};
    const startProcess = async (role: ClusterRole, overrides: Record<string, string> = {}) => {
      const count = (started[role] ?? 0) + 1;
      started[role] = count;
      const proc = await spawnKiln(`${role}${count}`, role, { ...env, ...overrides }, newDir());
      processes.push(proc);
      return proc;
    };
    const apis = await Promise.all(Array.from({ length: options.apis ?? 2 }, () => startProcess('api')));
    const workers = await Promise.all(
      Array.from({ length: options.workers ?? 2 }, () => startProcess('worker')),
    );
    return {
      apis,
      workers,
      processes,
      s3,
      s3Client,
      env,
      async sql(text, params) {
        return (await pool.query(text, params as unknown[])).rows;
      },
      async createAccount(name = `acct-${randomBytes(3).toString('hex')}`) {
        return JSON.parse(await cli(['accounts', 'create', '--name', name, '--json'])) as AccountCredentials;
      },
      startProcess,
      databaseUrlVia(port) {
        const url = new URL(env.KILN_DATABASE_URL!);
        url.hostname = '127.0.0.1';
        url.port = String(port);
        return url.toString();
      },
      storageUrlVia(port) {
        const url = new URL(env.KILN_STORAGE_URL!);
        url.searchParams.set('endpoint', `http://127.0.0.1:${port}`);
        return url.toString();
      },
      async objectKeys(prefix = '') {
        const keys: string[] = [];
        for await (const page of paginateListObjectsV2(
          { client: s3Client },
          { Bucket: s3.bucket, Prefix: prefix },
        )) {
          for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        }
        return keys;
      },
      async openUploads() {
        const res = await s3Client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
        return (res.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId! }));
      },
      jobsDone(kind) {
        return processes.flatMap((p) =>
          p
            .logs()
            .filter((l) => l.msg === 'job done' && l.job?.kind === kind)
            .map((l) => ({ process: p.name, id: String(l.job.id), attempt: Number(l.job.attempt) })),
        );
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The parent's environment minus Kiln's own settings, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_') && !k.startsWith('AWS_')),
  );
  return { ...base, ...env };
}

/**
 * Spawns one `kiln serve` (from dist/) and waits until it is ready. Alone (no KILN_DATABASE_URL in
 * `env`) it runs on the embedded backends under `dataDir`: tests that need a real process (its log
 * output, a kill -9) use it directly.
 */
export async function spawnKiln(
  name: string,
  role: ClusterRole,
  env: Record<string, string>,
  dataDir: string,
): Promise<KilnProcess> {
  const port = await freePort();
  const opsUrl = `http://127.0.0.1:${port}`;
  const url = role === 'worker' ? null : opsUrl;
  let child: ChildProcess | null = null;
  let output = '';
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    // KILN_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the spawned servers (benches).
    const nodeArgs = process.env.KILN_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const args = [...nodeArgs, BIN, 'serve', '--role', role, '--host', '127.0.0.1', '--port', String(port)];
    if (url) args.push('--public-url', url);
    const proc = spawn(process.execPath, args, {
      env: childEnv({ ...env, KILN_DATA_DIR: dataDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    exited = new Promise((done) => proc.once('exit', () => done()));
    proc.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
    proc.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    const mark = output.length;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`${name} exited while starting:\n${output.slice(mark)}`);
      }
      if (output.indexOf('kiln listening', mark) !== -1) return;
      if (Date.now() > deadline) throw new Error(`${name} did not start within 30 s:\n${output.slice(mark)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    name,
    role,
    url,
    opsUrl,
    dataDir,
    get pid() {
      return child?.pid;
    },
    get alive() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    output: () => output,
    logs: () =>
      output.split('\n').flatMap((line) => {
        if (!line.startsWith('{')) return [];
        try {
          return [JSON.parse(line) as Record<string, any>];
        } catch {
          return [];
        }
      }),
    kill,
    async restart() {
      await kill();
      await start();
    },
  };
}

/** `kiln <args>` through the CLI with `env` (e.g. `accounts create --json` against a data dir). */
export async function kilnCli(args: string[], env: Record<string, string>): Promise<string> {
  return (await run(process.execPath, [BIN, ...args], { env: childEnv(env) })).stdout;
}

/** Files under a directory (relative paths), for proving a node keeps no state on local disk. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out;
}
