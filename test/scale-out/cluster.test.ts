import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { filesUnder, type KilnCluster, startKilnCluster } from '../support/kiln-cluster.js';
import { waitFor } from '../support/wait-for.js';

// Two API nodes and two workers on one PostgreSQL schema and one S3 server. The sweep periods are
// shortened so periodic jobs run within the test.
let cluster: KilnCluster;
let account: AccountCredentials;

before(async () => {
  cluster = await startKilnCluster({ apis: 2, workers: 2, env: { KILN_EXPIRY_SWEEP_SECONDS: '2' } });
  account = await cluster.createAccount('scale-out');
});
after(() => cluster?.close());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function upload(base: string, body: Buffer, name = 'blob.bin') {
  const res = await fetch(`${base}/kiln/v1/assets?name=${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.apiToken}`, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as Record<string, any>;
}

test('/healthz answers 200 on every API node and reports both backends', async () => {
  for (const api of cluster.apis) {
    const res = await fetch(`${api.url}/healthz`);
    assert.equal(res.status, 200, api.name);
    assert.deepEqual(await res.json(), { status: 'ok', checks: { database: 'ok', storage: 'ok' } });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metrics, /kiln_http_requests_total/);
    // An API node runs no job loop: no sample that an alert on its age would fire on.
    assert.doesNotMatch(metrics, /^kiln_job_loop_last_poll_timestamp_seconds /m);
  }
});

test('/healthz and /metrics on every worker: the job loop polls, and the shared queue depth shows', async () => {
  for (const worker of cluster.workers) {
    const res = await fetch(`${worker.opsUrl}/healthz`);
    assert.equal(res.status, 200, worker.name);
    assert.deepEqual(await res.json(), {
      status: 'ok',
      checks: { database: 'ok', storage: 'ok', jobs: 'ok' },
    });
    const metrics = await (await fetch(`${worker.opsUrl}/metrics`)).text();
    assert.match(metrics, /^kiln_job_loop_last_poll_timestamp_seconds \d/m);
    assert.match(metrics, /^kiln_job_queue_depth\{kind="assets.expire",state="queued"\} \d/m);
    assert.equal((await fetch(`${worker.opsUrl}/kiln/v1/assets`)).status, 404);
  }
});

test('an upload on API node 1 is listed, read and delivered by API node 2; no node keeps it on local disk', async () => {
  const [a, b] = cluster.apis as [(typeof cluster.apis)[0], (typeof cluster.apis)[0]];
  const body = randomBytes(6 * 1024 * 1024 + 3);
  const created = await upload(a.url!, body, 'cross-node.bin');
  assert.equal(created.sha256, sha256(body));

  const auth = { authorization: `Bearer ${account.apiToken}` };
  const got = (await (
    await fetch(`${b.url}/kiln/v1/assets/${created.id}`, { headers: auth })
  ).json()) as Record<string, any>;
  assert.equal(got.sha256, sha256(body));
  const listed = (await (await fetch(`${b.url}/kiln/v1/assets`, { headers: auth })).json()) as Record<
    string,
    any
  >;
  assert.ok(listed.assets.some((x: { id: string }) => x.id === created.id));

  // The link node 1 handed out is signed with the shared key: node 2 serves it too.
  const link = new URL(created.url);
  const res = await fetch(`${b.url}${link.pathname}${link.search}`);
  assert.equal(res.status, 200);
  assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(body));
  const ranged = await fetch(`${b.url}${link.pathname}${link.search}`, { headers: { range: 'bytes=10-19' } });
  assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), body.subarray(10, 20));

  assert.deepEqual(await cluster.objectKeys(`a/${account.id}/${created.id}/`), [
    `a/${account.id}/${created.id}/original`,
  ]);
  for (const p of cluster.processes)
    assert.deepEqual(filesUnder(p.dataDir), [], `${p.name} wrote to its data dir`);
});

test('a delete on one node is visible on the other at once; its purge job runs exactly once, on one worker', async () => {
  const [a, b] = cluster.apis as [(typeof cluster.apis)[0], (typeof cluster.apis)[0]];
  const created = await upload(a.url!, randomBytes(2048));
  const auth = { authorization: `Bearer ${account.apiToken}` };
  const del = await fetch(`${b.url}/kiln/v1/assets/${created.id}`, { method: 'DELETE', headers: auth });
  assert.equal(del.status, 204);
  assert.equal((await fetch(`${a.url}/kiln/v1/assets/${created.id}`, { headers: auth })).status, 404);
  assert.equal((await fetch(created.url)).status, 404);
  const again = await fetch(`${a.url}/kiln/v1/assets/${created.id}`, { method: 'DELETE', headers: auth });
  assert.equal(again.status, 404);

  await waitFor(
    async () => (await cluster.sql('SELECT 1 FROM assets WHERE id = $1', [created.id])).length === 0,
    {
      what: 'the purge job to remove the row',
    },
  );
  assert.deepEqual(await cluster.objectKeys(`a/${account.id}/${created.id}/`), []);
  // The row goes inside the handler; the job is marked completed just after it returns.
  let jobs: Array<Record<string, unknown>> = [];
  await waitFor(
    async () => {
      jobs = await cluster.sql(
        `SELECT id, state, attempt FROM jobs WHERE kind = 'asset.purge' AND payload LIKE $1`,
        [`%${created.id}%`],
      );
      return jobs.length > 0 && jobs.every((j) => j.state !== 'active');
    },
    { what: 'the purge job to be marked finished' },
  );
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0]!.state, 'completed');
  assert.equal(jobs[0]!.attempt, 1);
  const runs = cluster.jobsDone('asset.purge').filter((r) => r.id === jobs[0]!.id);
  assert.equal(runs.length, 1, JSON.stringify(runs));
  assert.ok(runs[0]!.process.startsWith('worker'));
});

test('the expiry sweep runs once per period across both workers and purges an expired upload once', async () => {
  const [a] = cluster.apis;
  const created = await upload(a!.url!, randomBytes(1024));
  await cluster.sql(`UPDATE assets SET stored = 0, expires_at = $2 WHERE id = $1`, [
    created.id,
    new Date(Date.now() - 1000).toISOString(),
  ]);
  await waitFor(
    async () => (await cluster.sql('SELECT 1 FROM assets WHERE id = $1', [created.id])).length === 0,
    {
      what: 'the expiry sweep and purge to remove the expired asset',
      timeoutMs: 20_000,
    },
  );
  // Let a few more periods pass with both workers arming every sweep.
  await new Promise((r) => setTimeout(r, 5000));
  const sweeps = await cluster.sql<{ singleton_key: string; n: string }>(
    `SELECT singleton_key, count(*) AS n FROM jobs WHERE kind = 'assets.expire' GROUP BY singleton_key`,
  );
  assert.ok(sweeps.length >= 3, `only ${sweeps.length} sweeps ran`);
  for (const s of sweeps) assert.equal(Number(s.n), 1, `period ${s.singleton_key} queued twice`);
  const runs = cluster.jobsDone('assets.expire');
  const ids = runs.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'a sweep ran twice');
  assert.ok(new Set(runs.map((r) => r.process)).size >= 1);
  const purges = await cluster.sql(
    `SELECT id, state FROM jobs WHERE kind = 'asset.purge' AND payload LIKE $1`,
    [`%${created.id}%`],
  );
  assert.equal(purges.length, 1);
  assert.equal(purges[0]!.state, 'completed');
  assert.equal(cluster.jobsDone('asset.purge').filter((r) => r.id === purges[0]!.id).length, 1);
  assert.deepEqual(await cluster.objectKeys(`a/${account.id}/${created.id}/`), []);
});
