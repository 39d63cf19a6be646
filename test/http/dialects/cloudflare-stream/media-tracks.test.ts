import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type Cloudflare from 'cloudflare';
import { startKiln, type TestKiln } from '../../../support/start-kiln.js';
import { makeVideoFixtures, type VideoFixtures } from '../../../support/video-fixtures.js';
import { decodedSeconds, fetchToFile, sdk, waitSettled } from './stream-support.js';

const run = promisify(execFile);
let kiln: TestKiln;
let fx: VideoFixtures;
let client: Cloudflare;
let accountId: string;
let apiToken: string;
let files: Server;
let filesUrl: string;
let videoUid: string;
let silentUid: string;

/** A loopback origin for copy-from-URL (KILN_ALLOW_PRIVATE_FETCH lets Kiln fetch from it). */
function serveFixtures(dir: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const body = await readFile(join(dir, (req.url ?? '/').slice(1)));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

async function probe(path: string, stream = '') {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
  if (stream) args.push('-select_streams', stream);
  const { stdout } = await run('ffprobe', [...args, path]);
  return JSON.parse(stdout) as {
    streams: Array<{ codec_type: string; codec_name: string; width?: number }>;
    format: { duration: string };
  };
}

async function basicUpload(path: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await readFile(path))], { type: 'video/mp4' }), 'v.mp4');
  const res = await fetch(`${kiln.url}/client/v4/accounts/${accountId}/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiToken}` },
    body: form,
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { result: { uid: string } }).result.uid;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  [kiln, fx] = await Promise.all([
    startKiln({ env: { KILN_ALLOW_PRIVATE_FETCH: 'true' } }),
    makeVideoFixtures(),
  ]);
  await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=880',
    '-t',
    '5',
    '-c:a',
    'aac',
    join(fx.dir, 'voice.m4a'),
  ]);
  files = await serveFixtures(fx.dir);
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  const creds = await kiln.createAccount();
  accountId = creds.id;
  apiToken = creds.apiToken;
  client = sdk(kiln, apiToken);
  [videoUid, silentUid] = await Promise.all([basicUpload(fx.withAudio), basicUpload(fx.noAudio)]);
  for (const uid of [videoUid, silentUid])
    assert.equal((await waitSettled(client, accountId, uid)).status?.state, 'ready');
});
after(async () => {
  files?.close();
  await kiln.close();
  await fx.remove();
});

test('captions: WebVTT and SRT per language, listed, served as VTT, offered in HLS and DASH; no generation', async () => {
  const p = { account_id: accountId, identifier: videoUid };
  const en = await client.stream.captions.language.update('en', {
    ...p,
    file: 'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello there\n',
  });
  assert.deepEqual(en, { language: 'en', label: 'English', generated: false, status: 'ready' });
  const srt =
    '1\r\n00:00:00,500 --> 00:00:02,000\r\nHallo Welt\r\n\r\n2\r\n00:00:02,000 --> 00:00:02,900\r\nTschüss\r\n';
  const de = await client.stream.captions.language.update('de', {
    ...p,
    file: new File([srt], 'de.srt', { type: 'application/x-subrip' }) as unknown as string,
  });
  assert.equal(de.label, 'Deutsch');
  const list = [];
  for await (const c of client.stream.captions.get(videoUid, { account_id: accountId }))
    list.push(c.language);
  assert.deepEqual(list, ['de', 'en']);
  assert.equal((await client.stream.captions.language.get('de', p)).language, 'de');
  const vtt = await client.stream.captions.language.vtt.get('de', p);
  assert.match(String(vtt), /^WEBVTT\n\n1\n00:00:00\.500 --> 00:00:02\.000\nHallo Welt/);

  await assert.rejects(
    client.stream.captions.language.update('fr', { ...p, file: 'not a caption' }),
    (e: Error & { status?: number }) => e.status === 400 && /WebVTT/.test(e.message),
  );
  await assert.rejects(
    client.stream.captions.language.create('fr', p),
    (e: Error & { status?: number }) => e.status === 400 && /not available/.test(e.message),
  );

  const base = `${kiln.url}/stream/${videoUid}/manifest`;
  const master = await (await fetch(`${base}/video.m3u8`)).text();
  assert.match(
    master,
    /#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch",LANGUAGE="de".*URI="tracks\/caption-de\/index\.m3u8"/,
  );
  assert.match(master, /#EXT-X-STREAM-INF:.*SUBTITLES="subs"/);
  const subs = await (await fetch(`${base}/tracks/caption-en/index.m3u8`)).text();
  assert.match(subs, /#EXTINF:3\.\d+,\ncaption\.vtt/);
  const served = await fetch(`${base}/tracks/caption-en/caption.vtt`);
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-type') ?? '', /text\/vtt/);
  assert.match(await served.text(), /Hello there/);
  const mpd = await (await fetch(`${base}/video.mpd`)).text();
  assert.match(
    mpd,
    /<AdaptationSet [^>]*contentType="text" mimeType="text\/vtt" lang="en">[\s\S]*?<BaseURL>tracks\/caption-en\/caption\.vtt<\/BaseURL>/,
  );
  // ffmpeg parses the served caption as WebVTT.
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name',
    '-of',
    'csv=p=0',
    `${base}/tracks/caption-de/caption.vtt`,
  ]);
  assert.equal(stdout.trim(), 'webvtt');

  await client.stream.captions.language.delete('de', p);
  assert.equal((await fetch(`${base}/tracks/caption-de/caption.vtt`)).status, 404);
  assert.doesNotMatch(await (await fetch(`${base}/video.m3u8`)).text(), /Deutsch/);
});

test('audio tracks: upload, copy from a URL and from another video; offered in the manifests; default and delete rules', async () => {
  const form = new FormData();
  form.append('label', 'Commentary');
  form.append('file', new Blob([new Uint8Array(await readFile(join(fx.dir, 'voice.m4a')))]), 'voice.m4a');
  const up = await fetch(`${kiln.url}/client/v4/accounts/${accountId}/stream/${silentUid}/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiToken}` },
    body: form,
  });
  assert.equal(up.status, 200, await up.clone().text());
  const commentary = ((await up.json()) as { result: { uid: string; status: string } }).result;
  assert.equal(commentary.status, 'queued');
  const fromUrl = await client.stream.audioTracks.copy(silentUid, {
    account_id: accountId,
    label: 'Remote',
    url: `${filesUrl}/voice.m4a`,
  });
  const fromVideo = await client.stream.audioTracks.copy(silentUid, {
    account_id: accountId,
    label: 'From video',
    url: `${kiln.url}/stream/${videoUid}/watch`,
  });
  await assert.rejects(
    client.stream.audioTracks.copy(silentUid, {
      account_id: accountId,
      label: 'Remote',
      url: `${filesUrl}/voice.m4a`,
    }),
    (e: Error & { status?: number }) => e.status === 409,
  );
  const tracks = await until(
    () => client.stream.audioTracks.get(silentUid, { account_id: accountId }),
    (r) => (r.audio ?? []).every((a) => a.status === 'ready'),
  );
  assert.deepEqual(tracks.audio?.map((a) => a.label).sort(), ['Commentary', 'From video', 'Remote']);

  const base = `${kiln.url}/stream/${silentUid}/manifest`;
  const master = await (await fetch(`${base}/video.m3u8`)).text();
  const audioLines = master.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=AUDIO'));
  assert.equal(audioLines.length, 3, master);
  assert.match(master, /#EXT-X-STREAM-INF:.*CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2".*AUDIO="kiln_audio"/);
  // Each track is padded or cut to the video's 3 s and decodes.
  const playlist = /URI="([^"]+)"/.exec(audioLines.find((l) => l.includes('Commentary'))!)![1]!;
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_name',
    '-of',
    'json',
    `${base}/${playlist}`,
  ]);
  const json = JSON.parse(stdout) as { format: { duration: string }; streams: Array<{ codec_name: string }> };
  assert.equal(json.streams[0]?.codec_name, 'aac');
  assert.ok(Math.abs(Number(json.format.duration) - 3) < 0.2, json.format.duration);
  const mpd = await (await fetch(`${base}/video.mpd`)).text();
  assert.equal((mpd.match(/contentType="audio"/g) ?? []).length, 3);
  assert.match(mpd, /<Label>Commentary<\/Label>/);

  const edited = await client.stream.audioTracks.edit(fromUrl.uid!, {
    account_id: accountId,
    identifier: silentUid,
    default: true,
    label: 'Remote mix',
  });
  assert.deepEqual([edited.label, edited.default], ['Remote mix', true]);
  assert.match(await (await fetch(`${base}/video.m3u8`)).text(), /NAME="Remote mix",DEFAULT=YES/);
  await assert.rejects(
    client.stream.audioTracks.delete(fromUrl.uid!, { account_id: accountId, identifier: silentUid }),
    (e: Error & { status?: number }) => e.status === 400 && /default/.test(e.message),
  );
  await client.stream.audioTracks.delete(fromVideo.uid!, { account_id: accountId, identifier: silentUid });
  const left = await client.stream.audioTracks.get(silentUid, { account_id: accountId });
  assert.equal(left.audio?.length, 2);
  // The video the audio was copied from keeps its original.
  const source = await client.stream.get(videoUid, { account_id: accountId });
  assert.equal(source.status?.state, 'ready');
  assert.equal(commentary.uid.length, 32);
});

test('downloads: MP4 and M4A as durable jobs, with the source duration', async () => {
  const created = await client.stream.downloads.create(videoUid, { account_id: accountId });
  const entry = (created as { default?: { status: string; url: string; percentComplete: number } }).default!;
  assert.equal(entry.url, `${kiln.url}/stream/${videoUid}/downloads/default.mp4`);
  const ready = (await until(
    () => client.stream.downloads.get(videoUid, { account_id: accountId }),
    (r) => (r as { default?: { status: string } }).default?.status === 'ready',
  )) as { default: { percentComplete: number; url: string } };
  assert.equal(ready.default.percentComplete, 100);
  const mp4 = await fetchToFile(`${ready.default.url}?filename=my_clip`, fx.dir, 'download.mp4');
  const p = await probe(mp4);
  assert.deepEqual(p.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
  assert.equal(p.streams.find((s) => s.codec_type === 'video')?.width, 640);
  assert.ok(Math.abs(Number(p.format.duration) - 3) < 0.1, p.format.duration);
  assert.ok(Math.abs((await decodedSeconds(mp4)) - 3) < 0.1);
  const head = await fetch(`${ready.default.url}?filename=my_clip`, { method: 'HEAD' });
  assert.match(head.headers.get('content-disposition') ?? '', /filename="my_clip\.mp4"/);

  const audio = await client.post(`/accounts/${accountId}/stream/${videoUid}/downloads/audio`);
  assert.ok(audio);
  const withAudio = (await until(
    () => client.stream.downloads.get(videoUid, { account_id: accountId }),
    (r) => (r as { audio?: { status: string } }).audio?.status === 'ready',
  )) as { audio: { url: string } };
  const m4a = await fetchToFile(withAudio.audio.url, fx.dir, 'download.m4a');
  const a = await probe(m4a);
  assert.deepEqual(
    a.streams.map((s) => s.codec_type),
    ['audio'],
  );
  assert.ok(Math.abs(Number(a.format.duration) - 3) < 0.15, a.format.duration);

  await client.stream.downloads.delete(videoUid, { account_id: accountId });
  assert.equal((await fetch(ready.default.url)).status, 404);
  assert.deepEqual(await client.stream.downloads.get(videoUid, { account_id: accountId }), {});
  await assert.rejects(
    client.stream.downloads.create('0'.repeat(32), { account_id: accountId }),
    (e: Error & { status?: number }) => e.status === 404,
  );
});

test('clips: a new video of the requested length, processed like any upload', async () => {
  const clip = await client.stream.clip.create({
    account_id: accountId,
    clippedFromVideoUID: videoUid,
    startTimeSeconds: 1,
    endTimeSeconds: 3,
    meta: { name: 'the clip' },
  });
  assert.equal(clip.status?.state, 'queued');
  assert.equal((clip as { clippedFrom?: string }).clippedFrom, videoUid);
  const v = await waitSettled(client, accountId, clip.uid!);
  assert.equal(v.status?.state, 'ready', JSON.stringify(v.status));
  assert.ok(Math.abs((v.duration ?? 0) - 2) < 0.1, String(v.duration));
  const media = (await (await fetch(v.playback!.hls!)).text())
    .split('\n')
    .find((l) => /^media_\d+\.m3u8$/.test(l))!;
  assert.ok(Math.abs((await decodedSeconds(new URL(media, v.playback!.hls!).toString())) - 2) < 0.15);
  await assert.rejects(
    client.stream.clip.create({
      account_id: accountId,
      clippedFromVideoUID: videoUid,
      startTimeSeconds: 2,
      endTimeSeconds: 1,
    }),
    (e: Error & { status?: number }) => e.status === 400,
  );
});

test('copy from a URL: downloading, then ready; the embed code and its player page work', async () => {
  const copied = await client.stream.copy.create({
    account_id: accountId,
    url: `${filesUrl}/with-audio.mp4`,
    meta: { name: 'copied' },
  });
  assert.equal(copied.status?.state, 'downloading');
  const v = await waitSettled(client, accountId, copied.uid!);
  assert.equal(v.status?.state, 'ready', JSON.stringify(v.status));
  assert.ok(Math.abs((v.duration ?? 0) - 3) < 0.2);
  assert.equal(v.size, (await readFile(fx.withAudio)).length);

  const missing = await client.stream.copy.create({ account_id: accountId, url: `${filesUrl}/nope.mp4` });
  const failed = await waitSettled(client, accountId, missing.uid!);
  assert.equal(failed.status?.errorReasonCode, 'ERR_FETCH_ORIGIN_ERROR');

  const embed = String(await client.stream.embed.get(v.uid!, { account_id: accountId }));
  const src = /src="([^"]+)"/.exec(embed)![1]!;
  const page = await (await fetch(src)).text();
  const script = /<script src="([^"]+hls\.js)"/.exec(page)![1]!;
  assert.match(page, /poster="[^"]+thumbnail\.jpg"/);
  const hls = await fetch(script);
  assert.equal(hls.status, 200);
  assert.match(await hls.text(), /Hls/);
});
