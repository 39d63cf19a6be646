import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import type { Resolver } from '../../src/core/fetch/check-url.js';
import { type RunningServer, startServer } from '../../src/http/server.js';
import { freePort } from './free-port.js';
import { startS3Server } from './s3-server.js';

export interface TestKiln {
  /** The public URL (http://127.0.0.1:<port>), no trailing slash. */
  url: string;
  server: RunningServer;
  dataDir: string;
  /** Environment that points another process (the CLI, a second node) at the same backends. */
  env: Record<string, string>;
  createAccount(name?: string): Promise<AccountCredentials>;
  close(): Promise<void>;
}

export interface StartKilnOptions {
  env?: Record<string, string>;
  role?: 'all' | 'api' | 'worker';
  /** Reuse the backends of another TestKiln (a second node on the same database and store). */
  sharedWith?: TestKiln;
  /** DNS for Kiln's outgoing fetches (so tests can name hosts without leaving loopback). */
  resolver?: Resolver;
}

/**
 * Boots a real Kiln on 127.0.0.1 with a random port: SQLite and the local disk normally; a fresh
 * PostgreSQL schema and an S3 protocol server in the scale-out run (KILN_TEST_DATABASE_URL set).
 */
export async function startKiln(options: StartKilnOptions = {}): Promise<TestKiln> {
  const cleanups: Array<() => Promise<void>> = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-test-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  let env: Record<string, string> = {
    KILN_DATA_DIR: dataDir,
    KILN_LOG_LEVEL: process.env.KILN_LOG_LEVEL ?? 'silent',
    // Tests close servers often; a stalled test client must not hold each close for the default 25 s.
    KILN_SHUTDOWN_GRACE_SECONDS: '5',
  };
  if (options.sharedWith) {
    env = { ...options.sharedWith.env, KILN_DATA_DIR: options.sharedWith.dataDir };
  } else {
    const pgUrl = process.env.KILN_TEST_DATABASE_URL;
    if (pgUrl) {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA "${schema}"`);
      await admin.end();
      const url = new URL(pgUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      env.KILN_DATABASE_URL = url.toString();
      env.KILN_MASTER_KEY = randomBytes(32).toString('hex');
      cleanups.push(async () => {
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      });
    }
    if (process.env.KILN_TEST_STORAGE === 's3') {
      const s3 = await startS3Server();
      cleanups.push(() => s3.stop());
      env.KILN_STORAGE_URL = s3.storageUrl;
      env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
      env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
      env.AWS_REGION = 'us-east-1';
    }
  }
  Object.assign(env, options.env ?? {});
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const) {
    if (env[k]) process.env[k] = env[k];
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ port, host: '127.0.0.1', role: options.role, publicUrl: url }, env);
  let server: RunningServer;
  try {
    server = await startServer(config, { resolver: options.resolver });
  } catch (err) {
    // Nothing a failed start opened (s3rver, schema, temp dir) may keep the test process alive.
    for (const c of cleanups.reverse()) await c().catch(() => {});
    throw err;
  }
  return {
    url,
    server,
    dataDir: options.sharedWith?.dataDir ?? dataDir,
    env: { ...env, KILN_PUBLIC_URL: url },
    createAccount: (name = `test-${randomBytes(3).toString('hex')}`) => server.runtime.accounts.create(name),
    close: async () => {
      await server.close();
      for (const c of cleanups.reverse()) await c().catch(() => {});
    },
  };
}
