import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import * as tus from 'tus-js-client';
import { startKiln, type TestKiln } from '../../../support/start-kiln.js';
import { makeVideoFixtures, type VideoFixtures } from '../../../support/video-fixtures.js';
import { sdk, waitSettled } from './stream-support.js';

const run = promisify(execFile);
let fx: VideoFixtures;
let longVideo: string;
const cleanups: Array<() => Promise<unknown>> = [];

before(async () => {
  fx = await makeVideoFixtures();
  longVideo = join(fx.dir, 'six-seconds.mp4');
  await run('ffmpeg', [
    ...[
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=30',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=330',
    ],
    ...[
      '-t',
      '6',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      longVideo,
    ],
  ]);
});
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await fx.remove();
});

async function directUploadUrl(kiln: TestKiln) {
  const creds = await kiln.createAccount();
  const client = sdk(kiln, creds.apiToken);
  const d = await client.stream.directUpload.create({ account_id: creds.id, maxDurationSeconds: 60 });
  return { client, accountId: creds.id, uid: d.uid!, url: d.uploadURL! };
}

function spawnWorker(kiln: TestKiln): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--role', 'worker'], {
    // Port 0: the worker's /healthz and /metrics on any free port, not the default 8080.
    env: { ...process.env, ...kiln.env, KILN_DATA_DIR: kiln.dataDir, KILN_PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  cleanups.push(async () => child.kill('SIGKILL'));
  return child;
}

test('a worker killed mid-transcode: the job is taken up by another worker and completes', async () => {
  const api = await startKiln({ role: 'api', env: { KILN_STREAM_LEASE_SECONDS: '3' } });
  cleanups.push(() => api.close());
  const { client, accountId, uid, url } = await directUploadUrl(api);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await readFile(longVideo))]), 'six.mp4');
  assert.equal((await fetch(url, { method: 'POST', body: form })).status, 200);

  const first = spawnWorker(api);
  const exited = new Promise((r) => first.once('exit', r));
  let sawProgress = false;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await client.stream.get(uid, { account_id: accountId });
    assert.notEqual(v.status?.state, 'ready', 'the first worker finished before it could be killed');
    if (v.status?.state === 'inprogress' && Number(v.status.pctComplete) > 0) {
      sawProgress = true;
      break;
    }
    assert.ok(Date.now() < deadline, 'the first worker never started transcoding');
    await new Promise((r) => setTimeout(r, 20));
  }
  first.kill('SIGKILL');
  await exited;
  assert.ok(sawProgress);
  const stalled = await client.stream.get(uid, { account_id: accountId });
  assert.equal(stalled.status?.state, 'inprogress');

  const second = await startKiln({ sharedWith: api, role: 'worker' });
  cleanups.push(() => second.close());
  const v = await waitSettled(client, accountId, uid, 90_000);
  assert.equal(v.status?.state, 'ready', JSON.stringify(v.status));
  assert.ok(Math.abs((v.duration ?? 0) - 6) < 0.2);
  // The job row completes right after the video turns ready; the second attempt did it.
  const jobDeadline = Date.now() + 10_000;
  let job: { state: string; attempt: number };
  do {
    await new Promise((r) => setTimeout(r, 100));
    job = await api.server.runtime.db
      .selectFrom('jobs')
      .select(['state', 'attempt'])
      .where('singleton_key', '=', uid)
      .where('kind', '=', 'cfstream.process')
      .executeTakeFirstOrThrow();
  } while (job.state !== 'completed' && Date.now() < jobDeadline);
  assert.deepEqual([job.state, Number(job.attempt)], ['completed', 2]);
  const master = await (await fetch(v.playback!.hls!)).text();
  const media = master.split('\n').filter((l) => /^media_\d+\.m3u8$/.test(l));
  assert.equal(media.length, 2);
});

test('a TUS upload resumes after a server restart and ends with the same bytes', async () => {
  const first = await startKiln();
  cleanups.push(() => first.close());
  const creds = await first.createAccount();
  const data = await readFile(fx.withAudio);
  const created = await fetch(`${first.url}/client/v4/accounts/${creds.id}/stream?direct_user=true`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${creds.apiToken}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(data.length),
    },
  });
  assert.equal(created.status, 201);
  const location = created.headers.get('location')!;
  const uid = created.headers.get('stream-media-id')!;
  const half = Math.floor(data.length / 2);
  const patch = await fetch(location, {
    method: 'PATCH',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    },
    body: data.subarray(0, half),
  });
  assert.equal(patch.status, 204);
  await first.server.close();

  const second = await startKiln({ sharedWith: first });
  cleanups.push(() => second.close());
  const resumed = location.replace(first.url, second.url);
  const head = await fetch(resumed, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
  assert.equal(head.headers.get('upload-offset'), String(half));
  await new Promise<void>((resolve, reject) => {
    const up = new tus.Upload(data, {
      uploadUrl: resumed,
      chunkSize: 64 * 1024,
      retryDelays: [],
      onError: reject,
      onSuccess: () => resolve(),
    });
    up.start();
  });
  const client = sdk(second, creds.apiToken);
  const v = await waitSettled(client, creds.id, uid);
  assert.equal(v.status?.state, 'ready');
  const asset = await second.server.runtime.assets.get(creds.id, uid);
  const hash = createHash('sha256');
  for await (const chunk of await second.server.runtime.blobs.get(asset.blobKey!))
    hash.update(chunk as Buffer);
  assert.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'));
});

test('direct creator uploads: one of two simultaneous POSTs wins; over 200 MB is refused mid-stream', async () => {
  const kiln = await startKiln();
  cleanups.push(() => kiln.close());
  const a = await directUploadUrl(kiln);
  const bytes = new Uint8Array(await readFile(fx.withAudio));
  const post = () => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'race.mp4');
    return fetch(a.url, { method: 'POST', body: form });
  };
  const statuses = (await Promise.all([post(), post()])).map((r) => r.status).sort();
  assert.equal(statuses[0], 200);
  assert.ok(statuses[1]! >= 400 && statuses[1]! < 500, String(statuses));
  assert.equal((await waitSettled(a.client, a.accountId, a.uid)).status?.state, 'ready');

  // 200 MB + 1 MB, streamed chunked (no Content-Length): the server stops it at the limit.
  const b = await directUploadUrl(kiln);
  const boundary = 'kilnboundary';
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(b.url, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'transfer-encoding': 'chunked',
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.resume();
      req.destroy(); // stop sending the rest
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let sent = 0;
    const write = () => {
      while (!answered && sent < 201) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      if (!answered) req.end(`\r\n--${boundary}--\r\n`);
    };
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n\r\n`);
    write();
  });
  assert.equal(status, 413);
  const big = await b.client.stream.get(b.uid, { account_id: b.accountId });
  assert.equal(big.status?.state, 'pendingupload');
});

test('copy from a private address is refused without KILN_ALLOW_PRIVATE_FETCH', async () => {
  const kiln = await startKiln();
  cleanups.push(() => kiln.close());
  const creds = await kiln.createAccount();
  const client = sdk(kiln, creds.apiToken);
  await assert.rejects(
    client.stream.copy.create({ account_id: creds.id, url: 'http://127.0.0.1:9/video.mp4' }),
    (e: Error & { status?: number }) => e.status === 400 && /public IPs/.test(e.message),
  );
  await assert.rejects(
    client.stream.copy.create({ account_id: creds.id, url: 'ftp://example.com/video.mp4' }),
    (e: Error & { status?: number }) => e.status === 400 && /scheme/.test(e.message),
  );
  const page = await client.stream.list({ account_id: creds.id });
  assert.equal(page.result.length, 0);
});
