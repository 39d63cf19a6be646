import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type Cloudflare from 'cloudflare';
import sharp from 'sharp';
import type { TestKiln } from '../../../support/start-kiln.js';
import type { VideoFixtures } from '../../../support/video-fixtures.js';
import { decodedSeconds, probeUrl, type StreamHarness, startStream, waitSettled } from './stream-support.js';

let kiln: TestKiln;
let fx: VideoFixtures;
let client: Cloudflare;
let accountId: string;
let apiToken: string;

let h: StreamHarness;
before(async () => {
  h = await startStream();
  ({ kiln, fx, client, accountId, apiToken } = h);
});
after(() => h.close());

async function basicUpload(path: string, name = 'clip.mp4') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await readFile(path))], { type: 'video/mp4' }), name);
  const res = await fetch(`${kiln.url}/client/v4/accounts/${accountId}/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiToken}` },
    body: form,
  });
  return {
    status: res.status,
    json: (await res.json()) as { result: { uid: string } } & Record<string, unknown>,
  };
}

test('basic POST upload: queued, then ready with a ladder that plays at the right sizes and duration', async () => {
  const { status, json } = await basicUpload(fx.withAudio, 'with audio.mp4');
  assert.equal(status, 200, JSON.stringify(json));
  const uid = json.result.uid;
  assert.match(uid, /^[0-9a-f]{32}$/);
  const v = await waitSettled(client, accountId, uid);
  assert.equal(v.status?.state, 'ready', JSON.stringify(v.status));
  assert.equal(v.readyToStream, true);
  assert.equal(v.status?.pctComplete, '100.000000');
  assert.deepEqual(v.input, { width: 640, height: 360 });
  assert.ok(Math.abs((v.duration ?? 0) - 3) < 0.2, String(v.duration));
  assert.equal((v.meta as Record<string, unknown>).name, 'with audio.mp4');
  assert.ok((v.size ?? 0) > 1000);
  assert.equal(v.playback?.hls, `${kiln.url}/stream/${uid}/manifest/video.m3u8`);

  const master = await fetch(v.playback!.hls!);
  assert.equal(master.status, 200);
  assert.match(master.headers.get('content-type') ?? '', /mpegurl/);
  const text = await master.text();
  const media = text.split('\n').filter((l) => l.endsWith('.m3u8') && !l.startsWith('#'));
  assert.equal(media.length, 2, text); // 240p + 360p video playlists (audio is in a group)
  const sizes = [];
  for (const m of media) {
    const url = new URL(m, v.playback!.hls!).toString();
    const p = await probeUrl(url);
    sizes.push(`${p.width}x${p.height}`);
    const secs = await decodedSeconds(url);
    assert.ok(Math.abs(secs - 3) < 0.3, `${m}: ${secs}s`);
  }
  assert.deepEqual(sizes.sort(), ['426x240', '640x360']);

  const dash = await fetch(v.playback!.dash!);
  assert.equal(dash.status, 200);
  assert.match(await dash.text(), /<MPD/);
  const seg = await fetch(`${kiln.url}/stream/${uid}/manifest/chunk-0-00001.m4s`, {
    headers: { range: 'bytes=0-99' },
  });
  assert.equal(seg.status, 206);
  assert.equal((await seg.arrayBuffer()).byteLength, 100);

  const thumb = await fetch(v.thumbnail!);
  assert.equal(thumb.status, 200);
  const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 640, 360]);
  const sized = await fetch(`${v.thumbnail}?time=2s&width=100&height=100&fit=crop`);
  const sm = await sharp(Buffer.from(await sized.arrayBuffer())).metadata();
  assert.deepEqual([sm.width, sm.height], [100, 100]);
  const gif = await fetch(`${kiln.url}/stream/${uid}/thumbnails/thumbnail.gif?duration=1s&height=90`);
  assert.equal(gif.status, 200);
  const gm = await sharp(Buffer.from(await gif.arrayBuffer()), { animated: true }).metadata();
  assert.equal(gm.format, 'gif');
  assert.ok((gm.pages ?? 1) > 1);
  assert.equal(gm.pageHeight, 90);
  const bad = await fetch(`${v.thumbnail}?fit=stretch`);
  assert.equal(bad.status, 400);

  const watch = await fetch(v.preview!);
  assert.equal(watch.status, 200);
  assert.match(await watch.text(), /<video[^>]*>/);
  const embed = await client.stream.embed.get(uid, { account_id: accountId });
  assert.match(String(embed), /<iframe src="[^"]+\/iframe"/);
});

test('rotated and audio-less sources come out upright at their display size', async () => {
  const rotated = (await basicUpload(fx.rotated)).json.result.uid;
  const silent = (await basicUpload(fx.noAudio)).json.result.uid;
  const r = await waitSettled(client, accountId, rotated);
  assert.deepEqual(r.input, { width: 360, height: 640 });
  const top = await probeUrl(`${kiln.url}/stream/${rotated}/manifest/media_1.m3u8`);
  assert.deepEqual([top.width, top.height], [360, 640]);
  const s = await waitSettled(client, accountId, silent);
  assert.equal(s.status?.state, 'ready');
  assert.doesNotMatch(await (await fetch(s.playback!.hls!)).text(), /TYPE=AUDIO/);
});

test('a non-video and a truncated video end in error with a reason; their media answer 424', async () => {
  const junk = (await basicUpload(fx.notVideo, 'junk.mp4')).json.result.uid;
  const cut = (await basicUpload(fx.truncated, 'cut.mp4')).json.result.uid;
  const j = await waitSettled(client, accountId, junk);
  assert.equal(j.status?.state, 'error');
  assert.equal(j.status?.errorReasonCode, 'ERR_NON_VIDEO');
  assert.ok(j.status?.errorReasonText);
  const c = await waitSettled(client, accountId, cut);
  assert.equal(c.status?.state, 'error');
  assert.match(c.status?.errorReasonCode ?? '', /ERR_MALFORMED_VIDEO|ERR_NON_VIDEO/);
  assert.equal((await fetch(j.playback!.hls!)).status, 424);
});

test('list, edit, storage usage and delete through the SDK', async () => {
  const { json } = await basicUpload(fx.tiny, 'tiny.mp4');
  const uid = json.result.uid;
  await waitSettled(client, accountId, uid);
  const edited = await client.stream.edit(uid, {
    account_id: accountId,
    meta: { name: 'renamed' },
    creator: 'alice',
    thumbnailTimestampPct: 0.5,
    allowedOrigins: ['example.com'],
  });
  assert.equal((edited.meta as Record<string, unknown>).name, 'renamed');
  assert.equal(edited.creator, 'alice');
  const byCreator = [];
  for await (const v of client.stream.list({ account_id: accountId, creator: 'alice' }))
    byCreator.push(v.uid);
  assert.deepEqual(byCreator, [uid]);
  const searched = [];
  for await (const v of client.stream.list({ account_id: accountId, search: 'renam' })) searched.push(v.uid);
  assert.deepEqual(searched, [uid]);
  const errored = [];
  for await (const v of client.stream.list({ account_id: accountId, status: 'error' }))
    errored.push(v.status?.state);
  assert.ok(errored.every((s) => s === 'error'));
  const usage = await client.stream.videos.storageUsage({ account_id: accountId, creator: 'alice' });
  assert.equal(usage.videoCount, 1);
  assert.ok((usage.totalStorageMinutes ?? 0) > 0);

  // allowedOrigins: refused from another site, allowed from the listed one
  const other = await fetch(edited.playback!.hls!, { headers: { origin: 'https://evil.test' } });
  assert.equal(other.status, 403);
  const ok = await fetch(edited.playback!.hls!, { headers: { referer: 'https://example.com/page' } });
  assert.equal(ok.status, 200);

  await client.stream.delete(uid, { account_id: accountId });
  await assert.rejects(
    client.stream.get(uid, { account_id: accountId }),
    (e: Error & { status?: number }) => e.status === 404,
  );
});
