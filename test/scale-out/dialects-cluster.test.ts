import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { multipartComplete, multipartStart, multipartUpload, uploadFile } from '@uploadcare/upload-client';
import * as tus from 'tus-js-client';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { type KilnCluster, type KilnProcess, startKilnCluster } from '../support/kiln-cluster.js';
import { ffmpeg, makeVideoFixtures, type VideoFixtures } from '../support/video-fixtures.js';
import { waitFor } from '../support/wait-for.js';

// The dialects on a real cluster: two API nodes and two workers on one PostgreSQL schema and one S3
// server. The Stream job lease is 3 s, so a killed worker's transcode is picked up again quickly.
let cluster: KilnCluster;
let account: AccountCredentials;
let fx: VideoFixtures;
let tiny: Buffer;
let sixSeconds: Buffer;
let origin: Server;
let originUrl = '';
const originHits = new Map<string, number>();

before(async () => {
  fx = await makeVideoFixtures();
  const tinyPath = join(fx.dir, 'tiny-320.mp4');
  const longPath = join(fx.dir, 'six-seconds.mp4');
  const enc = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '2', ...enc, tinyPath]);
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '6', ...enc, longPath]);
  tiny = await readFile(tinyPath);
  sixSeconds = await readFile(longPath);
  cluster = await startKilnCluster({
    apis: 2,
    workers: 2,
    env: { KILN_STREAM_LEASE_SECONDS: '3', KILN_ALLOW_PRIVATE_FETCH: '1' },
  });
  account = await cluster.createAccount('dialects');
  // A loopback origin for from_url that counts how often each path is fetched.
  origin = createServer((req, res) => {
    originHits.set(req.url!, (originHits.get(req.url!) ?? 0) + 1);
    const body = Buffer.from(`origin bytes for ${req.url}\n`.repeat(200));
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originUrl = `http://127.0.0.1:${(origin.address() as { port: number }).port}`;
});
after(async () => {
  origin?.close();
  await cluster?.close();
  await fx?.remove();
});

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
const apis = () => cluster.apis as [KilnProcess, KilnProcess];

async function storedSha(key: string): Promise<string> {
  const obj = await cluster.s3Client.send(new GetObjectCommand({ Bucket: cluster.s3.bucket, Key: key }));
  return sha256(await obj.Body!.transformToByteArray());
}

async function videoState(uid: string): Promise<Record<string, any>> {
  const res = await fetch(`${apis()[1].url}/client/v4/accounts/${account.id}/stream/${uid}`, {
    headers: { authorization: `Bearer ${account.apiToken}` },
  });
  return ((await res.json()) as { result: Record<string, any> }).result;
}

async function waitReady(uid: string, timeoutMs = 60_000) {
  let last: Record<string, any> = {};
  await waitFor(
    async () => {
      last = await videoState(uid);
      if (last.status?.state === 'error')
        throw new Error(`video ${uid} failed: ${JSON.stringify(last.status)}`);
      return last.status?.state === 'ready';
    },
    { what: `video ${uid} to be ready`, timeoutMs, intervalMs: 300 },
  );
  return last;
}

test('a TUS upload started on API node 1 continues on node 2 after node 1 is killed mid-upload', async () => {
  const [a, b] = apis();
  const chunkSize = 16 * 1024;
  assert.ok(tiny.length > 3 * chunkSize, `fixture too small to cut: ${tiny.length}`);
  let uploadUrl = '';
  let uid = '';
  let patches = 0;
  let killed: Promise<void> = Promise.resolve();
  // The first PATCH lands; node 1 dies before the second arrives; the client reports the failure.
  await new Promise<void>((resolve) => {
    const up = new tus.Upload(tiny, {
      endpoint: `${a.url}/client/v4/accounts/${account.id}/stream`,
      headers: { authorization: `Bearer ${account.apiToken}` },
      metadata: { name: 'cut.mp4' },
      chunkSize,
      retryDelays: [],
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'POST') uid = res.getHeader('stream-media-id') ?? '';
      },
      onChunkComplete: () => {
        patches++;
        if (patches === 1) {
          uploadUrl = up.url!;
          killed = a.kill('SIGKILL');
        }
      },
      onError: () => resolve(),
      onSuccess: () => resolve(),
    });
    up.start();
  });
  await killed;
  assert.equal(a.alive, false);
  assert.ok(uid, 'no stream-media-id on the creation');
  assert.equal(patches, 1, 'the upload was not cut after its first PATCH');

  // Node 2 knows the offset node 1 stored, and takes the rest with the official client (with the
  // token: an upload created without direct_user is no capability URL).
  const resumed = uploadUrl.replace(a.url!, b.url!);
  const authorization = `Bearer ${account.apiToken}`;
  const head = await fetch(resumed, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('upload-offset'), String(chunkSize));
  await new Promise<void>((resolve, reject) => {
    new tus.Upload(tiny, {
      uploadUrl: resumed,
      headers: { authorization },
      chunkSize,
      retryDelays: [],
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });

  const v = await waitReady(uid);
  assert.equal(v.input?.width, 320);
  assert.equal(v.input?.height, 240);
  assert.ok(Math.abs(Number(v.duration) - 2) < 0.2, String(v.duration));
  const [row] = await cluster.sql('SELECT sha256, blob_key, size FROM assets WHERE id = $1', [uid]);
  assert.equal(row!.sha256, sha256(tiny));
  assert.equal(Number(row!.size), tiny.length);
  assert.equal(await storedSha(row!.blob_key), sha256(tiny));
  await a.restart();
});

test('Uploadcare multipart: the node that answered /multipart/start/ dies; completion on the other node works', async () => {
  const [a, b] = apis();
  const big = randomBytes(11 * 1024 * 1024 + 4321);
  const sdkA = { publicKey: account.uploadcare.publicKey, baseURL: `${a.url}/uploadcare` };
  const sdkB = { publicKey: account.uploadcare.publicKey, baseURL: `${b.url}/uploadcare` };
  const partSize = 5 * 1024 * 1024;
  const started = await multipartStart(big.length, {
    ...sdkA,
    fileName: 'big.bin',
    contentType: 'application/octet-stream',
    multipartChunkSize: partSize,
  });
  assert.equal(started.parts.length, 3);
  for (const url of started.parts) assert.ok(url.startsWith(cluster.s3.endpoint), url);
  await a.kill('SIGKILL');
  await Promise.all(
    started.parts.map((url, i) =>
      multipartUpload(big.subarray(i * partSize, (i + 1) * partSize), url, {
        contentType: 'application/octet-stream',
      }),
    ),
  );
  const info = await multipartComplete(started.uuid, sdkB);
  assert.equal(info.uuid, started.uuid);
  assert.equal(info.size, big.length);
  const res = await fetch(`${b.url}/${started.uuid}/`);
  assert.equal(res.status, 200);
  assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(big));
  assert.deepEqual(await cluster.openUploads(), []);
  await a.restart();
  const again = await fetch(`${a.url}/${started.uuid}/`, { headers: { range: 'bytes=0-15' } });
  assert.deepEqual(Buffer.from(await again.arrayBuffer()), big.subarray(0, 16));
});

test('a worker killed mid-transcode: the Stream job goes to the other worker once its lease runs out', async () => {
  const [, b] = apis();
  const res = await fetch(`${b.url}/client/v4/accounts/${account.id}/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.apiToken}` },
    body: (() => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(sixSeconds)], { type: 'video/mp4' }), 'six.mp4');
      return form;
    })(),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const uid = ((await res.json()) as { result: { uid: string } }).result.uid;

  let holder: KilnProcess | undefined;
  await waitFor(
    async () => {
      const [job] = await cluster.sql(
        `SELECT state, locked_by FROM jobs WHERE kind = 'cfstream.process' AND singleton_key = $1`,
        [uid],
      );
      if (job?.state !== 'active') return false;
      holder = cluster.workers.find((w) => w.alive && String(job.locked_by).includes(`:${w.pid}:`));
      return holder !== undefined;
    },
    { what: 'a worker to claim the transcode', intervalMs: 25 },
  );
  await holder!.kill('SIGKILL');
  assert.notEqual((await videoState(uid)).status?.state, 'ready', 'finished before the worker was killed');

  const v = await waitReady(uid, 90_000);
  assert.ok(Math.abs(Number(v.duration) - 6) < 0.2, String(v.duration));
  await waitFor(
    async () => {
      const [job] = await cluster.sql(
        `SELECT state FROM jobs WHERE kind = 'cfstream.process' AND singleton_key = $1`,
        [uid],
      );
      return job?.state === 'completed';
    },
    { what: 'the transcode job to complete' },
  );
  const [job] = await cluster.sql(
    `SELECT id, attempt FROM jobs WHERE kind = 'cfstream.process' AND singleton_key = $1`,
    [uid],
  );
  assert.equal(Number(job!.attempt), 2);
  const done = cluster.jobsDone('cfstream.process').filter((r) => r.id === String(job!.id));
  assert.equal(done.length, 1, JSON.stringify(done));
  assert.notEqual(done[0]!.process, holder!.name);
  await holder!.restart();
});

test('Uploadcare from_url fetches each source exactly once across two workers', async () => {
  const [a, b] = apis();
  const paths = Array.from({ length: 6 }, (_, i) => `/file-${i}.txt`);
  const files = await Promise.all(
    paths.map((p, i) =>
      uploadFile(`${originUrl}${p}`, {
        publicKey: account.uploadcare.publicKey,
        baseURL: `${(i % 2 ? a : b).url}/uploadcare`,
        baseCDN: b.url!,
      }),
    ),
  );
  for (const [i, p] of paths.entries()) {
    assert.equal(originHits.get(p), 1, `${p} fetched ${originHits.get(p)} times`);
    const body = Buffer.from(`origin bytes for ${p}\n`.repeat(200));
    const res = await fetch(`${b.url}/${files[i]!.uuid}/`);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(body));
  }
  // The SDK sees success inside the handler; the job is marked completed just after it returns.
  let jobs: Array<Record<string, unknown>> = [];
  await waitFor(
    async () => {
      jobs = await cluster.sql(
        `SELECT id, state, attempt FROM jobs WHERE kind = 'uploadcare.from_url' ORDER BY id`,
      );
      return jobs.length === paths.length && jobs.every((j) => j.state !== 'active');
    },
    { what: 'the from_url jobs to be marked finished' },
  );
  assert.equal(jobs.length, paths.length);
  for (const j of jobs) assert.deepEqual([j.state, Number(j.attempt)], ['completed', 1]);
  const runs = cluster.jobsDone('uploadcare.from_url');
  assert.equal(runs.length, paths.length, JSON.stringify(runs));
  assert.equal(new Set(runs.map((r) => r.id)).size, paths.length);
  assert.ok(runs.every((r) => r.process.startsWith('worker')));
});
