import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { type KilnCluster, type KilnProcess, startKilnCluster } from '../support/kiln-cluster.js';
import { streamUpload } from '../support/slow-upload.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

// The shared PostgreSQL must not be restarted, so each outage is one node's own: its database (or
// its S3) goes through a TCP proxy that the test takes down and brings back.
let cluster: KilnCluster;
let account: AccountCredentials;
let dbProxy: TcpProxy;
let s3Proxy: TcpProxy;
let dbNode: KilnProcess;
let s3Node: KilnProcess;

before(async () => {
  cluster = await startKilnCluster({ apis: 0, workers: 1 });
  const pgUrl = new URL(process.env.KILN_TEST_DATABASE_URL!);
  dbProxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
  const s3 = new URL(cluster.s3.endpoint);
  s3Proxy = await startTcpProxy({ host: s3.hostname, port: Number(s3.port) });
  dbNode = await cluster.startProcess('api', { KILN_DATABASE_URL: cluster.databaseUrlVia(dbProxy.port) });
  s3Node = await cluster.startProcess('api', { KILN_STORAGE_URL: cluster.storageUrlVia(s3Proxy.port) });
  account = await cluster.createAccount('outage');
});
after(async () => {
  await dbProxy?.close();
  await s3Proxy?.close();
  await cluster?.close();
});

const auth = () => ({ authorization: `Bearer ${account.apiToken}` });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function upload(base: string, body: Buffer) {
  const res = await fetch(`${base}/kiln/v1/assets?name=x.bin`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
}

function assertUnavailable(status: number, retryAfter: string | null, json: Record<string, any>) {
  assert.equal(status, 503, JSON.stringify(json));
  assert.ok(Number(retryAfter) >= 1, `Retry-After: ${retryAfter}`);
  assert.equal(json.error.code, 'unavailable');
  assert.doesNotMatch(JSON.stringify(json), /ECONN|127\.0\.0\.1|postgres|stack/i);
}

async function accountState() {
  const rows = await cluster.sql('SELECT id FROM assets WHERE account_id = $1 ORDER BY id', [account.id]);
  return {
    rows: rows.map((r) => r.id as string),
    keys: (await cluster.objectKeys(`a/${account.id}/`)).sort(),
  };
}

test('database down for one node: clean 503s and /healthz 503 there, the other node unaffected, all well after', async () => {
  const before = await upload(dbNode.url!, randomBytes(1000));
  assert.equal(before.status, 201);

  dbProxy.setMode('reset');
  const get = await fetch(`${dbNode.url}/kiln/v1/assets/${before.json.id}`, { headers: auth() });
  assertUnavailable(get.status, get.headers.get('retry-after'), (await get.json()) as Record<string, any>);
  const up = await upload(dbNode.url!, randomBytes(1000));
  assertUnavailable(up.status, up.headers.get('retry-after'), up.json);
  const link = new URL(before.json.url);
  const file = await fetch(`${dbNode.url}${link.pathname}${link.search}`);
  assert.equal(file.status, 503);
  const health = await fetch(`${dbNode.url}/healthz`);
  assert.equal(health.status, 503);
  assert.deepEqual(await health.json(), {
    status: 'unavailable',
    checks: { database: 'unavailable', storage: 'ok' },
  });
  assert.equal((await fetch(`${s3Node.url}/healthz`)).status, 200);
  assert.equal(
    (await fetch(`${s3Node.url}/kiln/v1/assets/${before.json.id}`, { headers: auth() })).status,
    200,
  );

  // A hung database (connections accepted, never answered): the pool's connect timeout gives a 503.
  dbProxy.setMode('blackhole');
  const hung = await fetch(`${dbNode.url}/kiln/v1/assets/${before.json.id}`, { headers: auth() });
  assertUnavailable(hung.status, hung.headers.get('retry-after'), (await hung.json()) as Record<string, any>);

  dbProxy.setMode('up');
  await waitFor(async () => (await fetch(`${dbNode.url}/healthz`)).status === 200, {
    what: '/healthz to recover',
  });
  const again = await fetch(`${dbNode.url}/kiln/v1/assets/${before.json.id}`, { headers: auth() });
  assert.equal(again.status, 200);
  const after = await upload(dbNode.url!, randomBytes(1000));
  assert.equal(after.status, 201);
  const state = await accountState();
  assert.deepEqual(state.rows, [before.json.id, after.json.id].sort());
  assert.deepEqual(
    state.keys,
    state.rows.map((id) => `a/${account.id}/${id}/original`),
  );
});

test('database lost mid-upload, after the bytes went to S3: 503, and the blob is removed again', async () => {
  const start = await accountState();
  const body = randomBytes(3 * 1024 * 1024);
  const upload = streamUpload(`${dbNode.url}/kiln/v1/assets?name=mid.bin`, account.apiToken, body.length);
  await upload.write(body.subarray(0, 1024 * 1024));
  // Authenticated at the start; the row insert at the end finds the database gone.
  await new Promise((r) => setTimeout(r, 300));
  dbProxy.setMode('reset');
  await upload.write(body.subarray(1024 * 1024));
  upload.end();
  const res = await upload.response;
  assert.equal(res.status, 503, res.body);
  assert.equal(JSON.parse(res.body).error.code, 'unavailable');
  dbProxy.setMode('up');
  await waitFor(async () => (await fetch(`${dbNode.url}/healthz`)).status === 200, {
    what: '/healthz to recover',
  });
  assert.deepEqual(await accountState(), start);
});

test('S3 down for one node: uploads and deliveries 503 there, nothing half-written; all well after', async () => {
  const good = randomBytes(5000);
  const first = await upload(s3Node.url!, good);
  assert.equal(first.status, 201);
  const start = await accountState();

  s3Proxy.setMode('reset');
  const up = await upload(s3Node.url!, randomBytes(200_000));
  assertUnavailable(up.status, up.headers.get('retry-after'), up.json);
  const link = new URL(first.json.url);
  const file = await fetch(`${s3Node.url}${link.pathname}${link.search}`);
  assertUnavailable(file.status, file.headers.get('retry-after'), (await file.json()) as Record<string, any>);
  const health = await fetch(`${s3Node.url}/healthz`);
  assert.equal(health.status, 503);
  assert.deepEqual(await health.json(), {
    status: 'unavailable',
    checks: { database: 'ok', storage: 'unavailable' },
  });
  // Metadata does not need S3.
  assert.equal(
    (await fetch(`${s3Node.url}/kiln/v1/assets/${first.json.id}`, { headers: auth() })).status,
    200,
  );
  assert.deepEqual(await accountState(), start);

  s3Proxy.setMode('up');
  await waitFor(async () => (await fetch(`${s3Node.url}/healthz`)).status === 200, {
    what: '/healthz to recover',
  });
  const served = await fetch(`${s3Node.url}${link.pathname}${link.search}`);
  assert.equal(sha256(Buffer.from(await served.arrayBuffer())), sha256(good));
  const after = await upload(s3Node.url!, randomBytes(200_000));
  assert.equal(after.status, 201);
  const state = await accountState();
  assert.deepEqual(
    state.keys,
    state.rows.map((id) => `a/${account.id}/${id}/original`),
  );
  assert.equal(state.rows.length, start.rows.length + 1);
});
