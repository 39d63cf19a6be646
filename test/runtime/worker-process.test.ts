import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { type DatabaseHandle, openDatabase } from '../../src/adapters/db/database.js';
import { DbJobQueue } from '../../src/adapters/queue/db-job-queue.js';
import { PURGE_ASSET_JOB } from '../../src/core/assets/delete-asset.js';
import { type KilnCluster, type KilnProcess, spawnKiln, startKilnCluster } from '../support/kiln-cluster.js';
import { sampleValue } from '../support/prometheus-text.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

// A real `kiln serve --role worker` process (from dist/: build first): SQLite and the local disk in
// the embedded run; PostgreSQL (through a TCP proxy the test can take down) and S3 in the scale-out run.
const onPostgres = Boolean(process.env.KILN_TEST_DATABASE_URL);
const cleanups: Array<() => Promise<unknown>> = [];
let worker: KilnProcess;
let handle: DatabaseHandle;
let producer: DbJobQueue;
/** Takes the worker's database away (and gives it back): a real fault, only this process's. */
let outage: { start(): Promise<void>; end(): Promise<void> };

before(async () => {
  if (onPostgres) {
    const cluster: KilnCluster = await startKilnCluster({ apis: 0, workers: 0 });
    cleanups.push(() => cluster.close());
    const pgUrl = new URL(process.env.KILN_TEST_DATABASE_URL!);
    const proxy: TcpProxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    cleanups.unshift(() => proxy.close());
    worker = await cluster.startProcess('worker', { KILN_DATABASE_URL: cluster.databaseUrlVia(proxy.port) });
    handle = await openDatabase({ url: cluster.env.KILN_DATABASE_URL! });
    outage = {
      start: async () => proxy.setMode('reset'),
      end: async () => proxy.setMode('up'),
    };
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'kiln-worker-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    worker = await spawnKiln('worker', 'worker', { KILN_LOG_LEVEL: 'info' }, dataDir);
    cleanups.unshift(() => worker.kill());
    const file = join(dataDir, 'kiln.db');
    handle = await openDatabase({ url: `sqlite://${file}` });
    // Another process holding SQLite's write lock: the worker can still read, but its job loop
    // cannot claim or sweep, so it stops polling.
    const locker = new SQLite(file);
    locker.pragma('busy_timeout = 10000');
    cleanups.push(async () => locker.close());
    outage = {
      start: async () => void locker.exec('BEGIN EXCLUSIVE'),
      end: async () => void locker.exec('ROLLBACK'),
    };
  }
  cleanups.unshift(() => handle.close());
  producer = new DbJobQueue({ handle });
});
after(async () => {
  if (process.env.KILN_TEST_SHOW_OUTPUT) console.log(worker?.output());
  for (const c of cleanups) await c().catch(() => {});
});

const get = (path: string, init?: RequestInit) => fetch(`${worker.opsUrl}${path}`, init);
const metrics = async () => (await get('/metrics')).text();

test('a worker answers /healthz with its database, store and job loop', async () => {
  const res = await get('/healthz');
  const body = await res.json();
  assert.equal(res.status, 200, `${JSON.stringify(body)}\n${worker.output().slice(-3000)}`);
  assert.deepEqual(body, { status: 'ok', checks: { database: 'ok', storage: 'ok', jobs: 'ok' } });
  assert.equal((await get('/healthz', { method: 'HEAD' })).status, 200);
});

test('a worker serves only /healthz and /metrics: every other path is a 404', async () => {
  for (const path of ['/', '/kiln/v1/assets', '/files/x', '/dashboard', '/openapi.json', '/client/v4/user']) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    await res.arrayBuffer();
  }
  assert.equal((await get('/healthz', { method: 'POST', body: 'x' })).status, 404);
});

test('/metrics shows the queue depth per kind, and job metrics move as jobs run, retry and fail', async () => {
  const text = await metrics();
  assert.match(text, /^kiln_job_loop_last_poll_timestamp_seconds \d/m);
  assert.ok(
    Math.abs(sampleValue(text, 'kiln_job_loop_last_poll_timestamp_seconds')! - Date.now() / 1000) < 15,
  );
  assert.match(text, /# TYPE kiln_job_duration_seconds histogram/);

  // Jobs that wait an hour stay queued: the depth (sampled every few seconds) shows them.
  for (let i = 0; i < 3; i++) {
    await producer.enqueue(
      PURGE_ASSET_JOB,
      { accountId: 'a'.repeat(32), assetId: `wait${i}` },
      { delayMs: 3_600_000 },
    );
  }
  await waitFor(
    async () =>
      (sampleValue(await metrics(), 'kiln_job_queue_depth', { kind: PURGE_ASSET_JOB, state: 'queued' }) ??
        0) >= 3,
    { what: 'the queue depth to show 3 queued purge jobs', timeoutMs: 15_000, intervalMs: 500 },
  );

  // One that runs, and one whose blob key is invalid: it fails, is retried once, then fails for good.
  await producer.enqueue(PURGE_ASSET_JOB, { accountId: 'b'.repeat(32), assetId: 'c'.repeat(32) });
  await producer.enqueue(
    PURGE_ASSET_JOB,
    { accountId: 'b'.repeat(32), assetId: '../escape' },
    { maxAttempts: 2, backoffMs: 10 },
  );
  const kind = { kind: PURGE_ASSET_JOB };
  await waitFor(
    async () => {
      const text = await metrics();
      const completed = { ...kind, outcome: 'completed' };
      return (
        (sampleValue(text, 'kiln_job_failures_total', kind) ?? 0) >= 1 &&
        (sampleValue(text, 'kiln_job_duration_seconds_count', completed) ?? 0) >= 1
      );
    },
    { what: 'the completed and the failed purge job to be counted', timeoutMs: 15_000 },
  );
  const after = await metrics();
  assert.equal(sampleValue(after, 'kiln_job_failures_total', kind), 1);
  assert.equal(sampleValue(after, 'kiln_job_retries_total', kind), 1);
  assert.equal(sampleValue(after, 'kiln_job_duration_seconds_count', { ...kind, outcome: 'completed' }), 1);
  assert.equal(sampleValue(after, 'kiln_job_duration_seconds_count', { ...kind, outcome: 'retried' }), 1);
  assert.equal(sampleValue(after, 'kiln_job_duration_seconds_count', { ...kind, outcome: 'failed' }), 1);
  assert.equal(sampleValue(after, 'kiln_jobs_running', kind), 0);
});

test('/healthz answers 503 while the worker cannot use its database, and 200 again after', {
  timeout: 120_000,
}, async () => {
  await outage.start();
  try {
    await waitFor(async () => (await get('/healthz')).status === 503, {
      what: '/healthz to answer 503',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const res = await get('/healthz');
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    assert.equal(body.status, 'unavailable');
    // PostgreSQL gone: the database check fails; SQLite locked by another process: reads still
    // work, but the job loop stops polling and its check fails.
    assert.equal(onPostgres ? body.checks.database : body.checks.jobs, 'unavailable', JSON.stringify(body));
    assert.doesNotMatch(JSON.stringify(body), /ECONN|SQLITE|127\.0\.0\.1|locked/i);
    // Metrics still answer while the database is away (the queue depth keeps its last sample).
    assert.equal((await get('/metrics')).status, 200);
  } finally {
    await outage.end();
  }
  await waitFor(async () => (await get('/healthz')).status === 200, {
    what: '/healthz to recover',
    timeoutMs: 60_000,
    intervalMs: 500,
  });
});
