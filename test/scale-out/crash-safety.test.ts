import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { type KilnCluster, type KilnProcess, startKilnCluster } from '../support/kiln-cluster.js';
import { streamUpload } from '../support/slow-upload.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

// Fault injection on real processes: kill -9 in the middle of an upload and of a job. The orphan
// sweep runs every 2 s and removes what is older than 3 s, so its effect is visible within the test.
let cluster: KilnCluster;
let account: AccountCredentials;
const proxies: TcpProxy[] = [];

before(async () => {
  cluster = await startKilnCluster({
    apis: 2,
    workers: 2,
    env: { KILN_ORPHAN_SWEEP_SECONDS: '2', KILN_ORPHAN_MIN_AGE_SECONDS: '3' },
  });
  account = await cluster.createAccount('crash');
});
after(async () => {
  for (const p of proxies) await p.close();
  await cluster?.close();
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const auth = () => ({ authorization: `Bearer ${account.apiToken}` });

test('kill -9 of an API node mid-upload: the retry on the other node stores the exact bytes; the sweep removes the leftovers', async () => {
  const [a, b] = cluster.apis as [KilnProcess, KilnProcess];
  const body = randomBytes(20 * 1024 * 1024);
  const upload = streamUpload(`${a.url}/kiln/v1/assets?name=big.bin`, account.apiToken, body.length);
  // 12 MiB: past the first 8 MiB part, so the S3 multipart upload exists when the node dies.
  for (let off = 0; off < 12 * 1024 * 1024; off += 1024 * 1024)
    await upload.write(body.subarray(off, off + 1024 * 1024));
  await waitFor(async () => (await cluster.openUploads()).length > 0, {
    what: 'the S3 multipart upload to start',
  });
  await a.kill('SIGKILL');
  await assert.rejects(upload.response);

  // Bytes durable but no row: what a crash between the store's commit and the row insert leaves.
  const strayKey = `a/${account.id}/${randomUUID()}/original`;
  await cluster.s3Client.send(
    new PutObjectCommand({ Bucket: cluster.s3.bucket, Key: strayKey, Body: 'stray' }),
  );

  const res = await fetch(`${b.url}/kiln/v1/assets?name=big.bin`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
  assert.equal(res.status, 201);
  const created = (await res.json()) as Record<string, any>;
  assert.equal(created.sha256, sha256(body));
  const link = new URL(created.url);
  const got = Buffer.from(await (await fetch(`${b.url}${link.pathname}${link.search}`)).arrayBuffer());
  assert.equal(sha256(got), sha256(body));

  const rows = await cluster.sql('SELECT id FROM assets WHERE account_id = $1', [account.id]);
  assert.deepEqual(
    rows.map((r) => r.id),
    [created.id],
    'the interrupted upload left a row',
  );

  await waitFor(async () => (await cluster.openUploads()).length === 0, {
    what: 'the orphan sweep to abort the interrupted multipart upload',
    timeoutMs: 20_000,
  });
  await waitFor(async () => !(await cluster.objectKeys(`a/${account.id}/`)).includes(strayKey), {
    what: 'the orphan sweep to remove the blob without a row',
    timeoutMs: 20_000,
  });
  assert.deepEqual(await cluster.objectKeys(`a/${account.id}/`), [`a/${account.id}/${created.id}/original`]);
  const sweeps = cluster.jobsDone('blobs.clean-orphans');
  assert.equal(new Set(sweeps.map((s) => s.id)).size, sweeps.length, 'an orphan sweep ran twice');

  await a.restart();
  assert.equal((await fetch(`${a.url}/healthz`)).status, 200);
  assert.equal(
    sha256(Buffer.from(await (await fetch(`${a.url}${link.pathname}${link.search}`)).arrayBuffer())),
    sha256(body),
  );
});

test('kill -9 of a worker holding a purge job: once its lease runs out another worker completes the job', async () => {
  const [api] = cluster.apis as [KilnProcess];
  const res = await fetch(`${api.url}/kiln/v1/assets?name=doomed.bin`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/octet-stream' },
    body: new Uint8Array(randomBytes(4096)),
  });
  const created = (await res.json()) as Record<string, any>;

  // Only one worker runs, and its S3 goes through a proxy that swallows every request: the purge
  // job it claims hangs in the middle, holding its lease.
  const [w1, w2] = cluster.workers as [KilnProcess, KilnProcess];
  await w1.kill('SIGKILL');
  await w2.kill('SIGKILL');
  const s3 = new URL(cluster.s3.endpoint);
  const proxy = await startTcpProxy({ host: s3.hostname, port: Number(s3.port) });
  proxies.push(proxy);
  proxy.setMode('blackhole');
  const stuck = await cluster.startProcess('worker', { KILN_STORAGE_URL: cluster.storageUrlVia(proxy.port) });

  assert.equal(
    (await fetch(`${api.url}/kiln/v1/assets/${created.id}`, { method: 'DELETE', headers: auth() })).status,
    204,
  );
  let jobId = '';
  await waitFor(
    async () => {
      const [row] = await cluster.sql(
        `SELECT id, state, locked_by FROM jobs WHERE kind = 'asset.purge' AND payload LIKE $1`,
        [`%${created.id}%`],
      );
      jobId = row?.id;
      return row?.state === 'active' && String(row.locked_by).includes(`:${stuck.pid}:`);
    },
    { what: 'the stalled worker to claim the purge job' },
  );
  await stuck.kill('SIGKILL');
  // The dead worker's lease (300 s) runs out: fast-forwarded here rather than waited for.
  await cluster.sql(`UPDATE jobs SET locked_until = '2000-01-01T00:00:00.000Z' WHERE id = $1`, [jobId]);
  await w1.restart();
  await waitFor(
    async () => (await cluster.sql('SELECT 1 FROM assets WHERE id = $1', [created.id])).length === 0,
    {
      what: 'the purge to complete on the restarted worker',
      timeoutMs: 15_000,
    },
  );
  // The row goes inside the handler; the job is marked completed just after it returns.
  let job: unknown;
  await waitFor(
    async () => {
      [job] = await cluster.sql('SELECT state, attempt FROM jobs WHERE id = $1', [jobId]);
      return (job as { state?: string })?.state !== 'active';
    },
    { what: 'the purge job to be marked finished', timeoutMs: 15_000 },
  );
  assert.deepEqual(job, { state: 'completed', attempt: 2 });
  assert.deepEqual(
    cluster
      .jobsDone('asset.purge')
      .filter((r) => r.id === jobId)
      .map((r) => r.process),
    [w1.name],
  );
  assert.deepEqual(await cluster.objectKeys(`a/${account.id}/${created.id}/`), []);
  await w2.restart();
});
