import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type Cloudflare from 'cloudflare';
import { toFile } from 'cloudflare';
import sharp from 'sharp';
import { startKiln, type TestKiln } from '../../../support/start-kiln.js';
import { sdk, waitSettled } from './stream-support.js';

const run = promisify(execFile);

let kiln: TestKiln;
let client: Cloudflare;
let accountId: string;
let apiToken: string;
let dir: string;
let blackVideo: string;
let png: Buffer;
let imageServer: Server;
let imageUrl: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-watermark-'));
  blackVideo = join(dir, 'black.mp4');
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=black:size=320x240:rate=15',
    '-t',
    '2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    blackVideo,
  ]);
  // A solid magenta square: easy to tell from the black frame after encoding.
  png = await sharp({ create: { width: 40, height: 40, channels: 4, background: '#ff00ff' } })
    .png()
    .toBuffer();
  imageServer = createServer((req, res) => {
    if (req.url === '/mark.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('not an image');
  });
  await new Promise<void>((r) => imageServer.listen(0, '127.0.0.1', r));
  imageUrl = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}/mark.png`;
  kiln = await startKiln({ env: { KILN_ALLOW_PRIVATE_FETCH: '1' } });
  const creds = await kiln.createAccount();
  accountId = creds.id;
  apiToken = creds.apiToken;
  client = sdk(kiln, creds.apiToken);
});
after(async () => {
  await kiln.close();
  imageServer.close();
  await rm(dir, { recursive: true, force: true });
});

async function createFromFile(fields: Record<string, unknown>) {
  const file = await toFile(png, 'mark.png', { type: 'image/png' });
  return client.stream.watermarks.create({ account_id: accountId, file, ...fields } as never);
}

test('watermark profiles: create from a file and from a URL, list, get, delete, with validation', async () => {
  const fromFile = await createFromFile({ name: 'logo', opacity: 0.5, position: 'lowerLeft' });
  assert.match(fromFile.uid ?? '', /^[0-9a-f]{32}$/);
  assert.equal(fromFile.name, 'logo');
  assert.equal(fromFile.width, 40);
  assert.equal(fromFile.height, 40);
  assert.equal(fromFile.size, png.length);
  assert.equal(fromFile.opacity, 0.5);
  assert.equal(fromFile.padding, 0.05);
  assert.equal(fromFile.scale, 0.15);
  assert.equal(fromFile.position, 'lowerLeft');
  assert.equal(fromFile.downloadedFrom, null);

  const fromUrl = await client.stream.watermarks.create({ account_id: accountId, url: imageUrl, scale: 0.3 });
  assert.equal(fromUrl.downloadedFrom, imageUrl);
  assert.equal(fromUrl.position, 'upperRight');
  assert.equal(fromUrl.scale, 0.3);

  const listed = [];
  for await (const w of client.stream.watermarks.list({ account_id: accountId })) listed.push(w.uid);
  assert.deepEqual(listed.sort(), [fromFile.uid, fromUrl.uid].sort());
  const got = await client.stream.watermarks.get(fromUrl.uid!, { account_id: accountId });
  assert.deepEqual(got, fromUrl);

  await client.stream.watermarks.delete(fromUrl.uid!, { account_id: accountId });
  await assert.rejects(client.stream.watermarks.get(fromUrl.uid!, { account_id: accountId }), {
    status: 404,
  });
  await assert.rejects(createFromFile({ position: 'middle' }), { status: 400 });
  await assert.rejects(createFromFile({ opacity: 2 }), { status: 400 });
  await assert.rejects(
    client.stream.watermarks.create({ account_id: accountId, url: imageUrl.replace('mark.png', 'text') }),
    { status: 400 },
  );
  await assert.rejects(
    client.stream.directUpload.create({
      account_id: accountId,
      maxDurationSeconds: 60,
      watermark: { uid: 'f'.repeat(32) },
    }),
    { status: 404 },
  );
});

test('a direct creator upload that names a watermark plays with the image burnt into its frames', async () => {
  const mark = await createFromFile({ scale: 0.25, padding: 0.05, position: 'upperRight' });
  const upload = await client.stream.directUpload.create({
    account_id: accountId,
    maxDurationSeconds: 60,
    watermark: { uid: mark.uid! },
  });
  assert.equal(upload.watermark?.uid, mark.uid);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await readFile(blackVideo))], { type: 'video/mp4' }), 'b.mp4');
  const res = await fetch(upload.uploadURL!, { method: 'POST', body: form });
  assert.equal(res.status, 200, await res.text());
  const v = await waitSettled(client, accountId, upload.uid!);
  assert.equal(v.status?.state, 'ready', JSON.stringify(v.status));
  assert.equal(v.watermark?.uid, mark.uid);

  // One frame of the rendition as raw RGB: 320x240 (the source's own size, the lowest rung).
  const master = await (await fetch(v.playback!.hls!)).text();
  const media = master.split('\n').find((l) => l.endsWith('.m3u8') && !l.startsWith('#'))!;
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      new URL(media, v.playback!.hls!).toString(),
      '-frames:v',
      '1',
      '-vf',
      'scale=320:240',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 1 << 22 },
  );
  const pixel = (x: number, y: number) => [...stdout.subarray((y * 320 + x) * 3, (y * 320 + x) * 3 + 3)];
  // scale 0.25 of 320x240 fits the square into 60x60; padding 0.05 of 240 = 12 px from the corner.
  const [r, g, b] = pixel(320 - 12 - 30, 12 + 30);
  assert.ok(r! > 200 && g! < 60 && b! > 200, `watermark centre is rgb(${r},${g},${b})`);
  const [r2, g2, b2] = pixel(40, 200);
  assert.ok(r2! < 30 && g2! < 30 && b2! < 30, `frame elsewhere is rgb(${r2},${g2},${b2})`);
  const [r3, g3, b3] = pixel(320 - 12 - 70, 12 + 30); // left of the watermark
  assert.ok(r3! < 30 && g3! < 30 && b3! < 30, `left of the watermark is rgb(${r3},${g3},${b3})`);
});

test('basic uploads name a watermark in a form field', async () => {
  const mark = await createFromFile({});
  const form = new FormData();
  form.append('watermark', mark.uid!);
  form.append('file', new Blob([new Uint8Array(await readFile(blackVideo))], { type: 'video/mp4' }), 'b.mp4');
  const res = await fetch(`${kiln.url}/client/v4/accounts/${accountId}/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiToken}` },
    body: form,
  });
  const json = (await res.json()) as { result: { uid: string; watermark: { uid: string } | null } };
  assert.equal(res.status, 200, JSON.stringify(json));
  assert.equal(json.result.watermark?.uid, mark.uid);
  await waitSettled(client, accountId, json.result.uid);
});
