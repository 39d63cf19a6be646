import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type Cloudflare from 'cloudflare';
import { importJWK, SignJWT } from 'jose';
import * as tus from 'tus-js-client';
import type { TestKiln } from '../../../support/start-kiln.js';
import type { VideoFixtures } from '../../../support/video-fixtures.js';
import { type StreamHarness, startStream, waitSettled } from './stream-support.js';

let kiln: TestKiln;
let fx: VideoFixtures;
let client: Cloudflare;
let accountId: string;
let apiToken: string;

let h: StreamHarness;
before(async () => {
  h = await startStream({ env: { KILN_ALLOW_PRIVATE_FETCH: '1' } });
  ({ kiln, fx, client, accountId, apiToken } = h);
});
after(() => h.close());

function tusUpload(
  data: Buffer,
  opts: Partial<tus.UploadOptions> & { endpoint?: string; uploadUrl?: string },
) {
  return new Promise<string>((resolve, reject) => {
    const up = new tus.Upload(data, {
      endpoint: opts.endpoint,
      uploadUrl: opts.uploadUrl,
      headers: opts.headers,
      metadata: opts.metadata,
      chunkSize: opts.chunkSize,
      retryDelays: [],
      onError: reject,
      onSuccess: () => resolve(up.url ?? ''),
    });
    up.start();
  });
}

test('TUS upload with tus-js-client, resumed after a connection cut mid-PATCH, ends with the same bytes', async () => {
  const data = await readFile(fx.withAudio);
  // Create with the SDK-shaped request (Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Creator).
  const meta = `name ${Buffer.from('tus clip').toString('base64')},requiresignedurls,thumbnailtimestamppct ${Buffer.from('0.5').toString('base64')}`;
  const created = await fetch(`${kiln.url}/client/v4/accounts/${accountId}/stream?direct_user=true`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiToken}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(data.length),
      'upload-metadata': meta,
      'upload-creator': 'bob',
    },
  });
  assert.equal(created.status, 201, await created.text());
  const location = created.headers.get('location')!;
  const uid = created.headers.get('stream-media-id')!;
  assert.match(uid, /^[0-9a-f]{32}$/);
  assert.ok(location.endsWith(uid));

  // Send part of the body, then cut the connection.
  const cutAt = Math.floor(data.length * 0.4) + 123;
  await new Promise<void>((resolve) => {
    const req = httpRequest(location, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(data.length),
      },
    });
    req.on('error', () => resolve());
    req.write(data.subarray(0, cutAt), () =>
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300),
    );
  });
  await new Promise((r) => setTimeout(r, 300));
  const head = await fetch(location, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
  const offset = Number(head.headers.get('upload-offset'));
  assert.ok(offset > 0 && offset <= cutAt, `offset ${offset}`);
  assert.equal(head.headers.get('upload-length'), String(data.length));

  // tus-js-client resumes from the server's offset.
  await tusUpload(data, { uploadUrl: location, chunkSize: 64 * 1024 });
  const v = await waitSettled(client, accountId, uid);
  assert.equal(v.status?.state, 'ready');
  assert.equal(v.size, data.length);
  assert.equal(v.creator, 'bob');
  assert.equal(v.requireSignedURLs, true);
  assert.equal(v.thumbnailTimestampPct, 0.5);
  assert.equal((v.meta as Record<string, unknown>).name, 'tus clip');
  // The upload URL is spent.
  const again = await fetch(location, {
    method: 'PATCH',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    },
    body: 'x',
  });
  assert.ok(again.status >= 400);

  // requireSignedURLs: the uid is refused, a token from /token and a self-signed one work.
  assert.equal((await fetch(v.playback!.hls!)).status, 401);
  const { token } = await client.stream.token.create(uid, { account_id: accountId });
  const signed = await fetch(`${kiln.url}/stream/${token}/manifest/video.m3u8`);
  assert.equal(signed.status, 200);
  const firstMedia = (await signed.text()).split('\n').find((l) => l.endsWith('.m3u8'))!;
  assert.equal((await fetch(`${kiln.url}/stream/${token}/manifest/${firstMedia}`)).status, 200);
  assert.equal((await fetch(`${kiln.url}/stream/${token}/thumbnails/thumbnail.jpg`)).status, 200);

  const key = await client.stream.keys.create({ account_id: accountId });
  assert.match(Buffer.from(key.pem!, 'base64').toString(), /BEGIN RSA PRIVATE KEY/);
  const jwk = JSON.parse(Buffer.from(key.jwk!, 'base64').toString()) as Record<string, string>;
  const self = await new SignJWT({ sub: uid, kid: key.id, exp: Math.floor(Date.now() / 1000) + 600 })
    .setProtectedHeader({ alg: 'RS256', kid: key.id! })
    .sign(await importJWK(jwk, 'RS256'));
  assert.equal((await fetch(`${kiln.url}/stream/${self}/manifest/video.m3u8`)).status, 200);
  const blocked = await client.stream.token.create(uid, {
    account_id: accountId,
    accessRules: [{ type: 'ip.src', action: 'block', ip: ['127.0.0.0/8'] }],
  });
  assert.equal((await fetch(`${kiln.url}/stream/${blocked.token}/manifest/video.m3u8`)).status, 401);
  const listed = [];
  for await (const k of client.stream.keys.get({ account_id: accountId })) listed.push(k.id);
  assert.deepEqual(listed, [key.id]);
  await client.stream.keys.delete(key.id!, { account_id: accountId });
  assert.equal((await fetch(`${kiln.url}/stream/${self}/manifest/video.m3u8`)).status, 401);
});

test('direct creator upload: constraints, one-time URL, and a too-long video ends in error', async () => {
  await assert.rejects(
    client.stream.directUpload.create({ account_id: accountId } as never),
    (e: Error & { status?: number }) =>
      e.status === 400 &&
      /required field maxDurationSeconds is missing/.test(e.message) &&
      /10005/.test(e.message),
  );
  for (const bad of [
    { maxDurationSeconds: 0 },
    { maxDurationSeconds: 21601 },
    { maxDurationSeconds: 10, expiry: new Date(Date.now() + 60_000).toISOString() },
    { maxDurationSeconds: 10, expiry: new Date(Date.now() + 7 * 3600_000).toISOString() },
    { maxDurationSeconds: 10, expiry: 'tomorrow' },
  ]) {
    await assert.rejects(
      client.stream.directUpload.create({ account_id: accountId, ...bad }),
      (e: Error & { status?: number }) => e.status === 400,
    );
  }
  const du = await client.stream.directUpload.create({
    account_id: accountId,
    maxDurationSeconds: 1,
    meta: { name: 'short limit' },
  });
  const pending = await client.stream.get(du.uid!, { account_id: accountId });
  assert.equal(pending.status?.state, 'pendingupload');
  assert.equal(pending.maxDurationSeconds, 1);
  assert.ok(pending.uploadExpiry);
  const delta = Date.parse(pending.uploadExpiry!) - Date.now();
  assert.ok(delta > 29 * 60_000 && delta <= 30 * 60_000, String(delta));
  const form = () => {
    const f = new FormData();
    return readFile(fx.withAudio).then((b) => {
      f.append('file', new Blob([new Uint8Array(b)]), 'x.mp4');
      return f;
    });
  };
  const first = await fetch(du.uploadURL!, { method: 'POST', body: await form() });
  assert.equal(first.status, 200, await first.clone().text());
  const second = await fetch(du.uploadURL!, { method: 'POST', body: await form() });
  assert.ok(second.status >= 400 && second.status < 500, String(second.status));
  const v = await waitSettled(client, accountId, du.uid!);
  assert.equal(v.status?.state, 'error');
  assert.equal(v.status?.errorReasonCode, 'ERR_DURATION_EXCEED_CONSTRAINT');
});

test('webhook: signed POST of the Video when processing ends', async () => {
  const received: Array<{ sig: string; body: string }> = [];
  const hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ sig: String(req.headers['webhook-signature']), body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
    const hook = await client.stream.webhooks.update({ account_id: accountId, notificationUrl: url });
    assert.match(hook.secret!, /^[0-9a-f]{32}$/);
    assert.equal((await client.stream.webhooks.get({ account_id: accountId })).secret, hook.secret);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await readFile(fx.tiny))]), 'tiny.mp4');
    const res = await fetch(`${kiln.url}/client/v4/accounts/${accountId}/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}` },
      body: form,
    });
    const uid = ((await res.json()) as { result: { uid: string } }).result.uid;
    await waitSettled(client, accountId, uid);
    const deadline = Date.now() + 30_000;
    while (!received.some((r) => r.body.includes(uid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const hit = received.find((r) => r.body.includes(uid))!;
    assert.ok(hit, 'webhook received');
    const parts = Object.fromEntries(hit.sig.split(',').map((p) => p.split('=')));
    const expected = createHmac('sha256', hook.secret!).update(`${parts.time}.${hit.body}`).digest('hex');
    assert.equal(parts.sig1, expected);
    assert.equal(JSON.parse(hit.body).status.state, 'ready');
    await client.stream.webhooks.delete({ account_id: accountId });
  } finally {
    hookServer.close();
  }
});
