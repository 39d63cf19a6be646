import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type Cloudflare from 'cloudflare';
import { importJWK, SignJWT } from 'jose';
import { freePort } from '../../../support/free-port.js';
import type { TestKiln } from '../../../support/start-kiln.js';
import { startLiveKiln } from '../../../support/start-live-kiln.js';
import { pushLive, rtmpDestination } from './live-support.js';
import { decodedSeconds, sdk, waitSettled } from './stream-support.js';

const run = promisify(execFile);

let kiln: TestKiln;
let client: Cloudflare;
let accountId: string;
let dir: string;
let hookServer: Server;
const hooks: Array<Record<string, unknown>> = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-live-'));
  ({ kiln } = await startLiveKiln(() => ({ KILN_LIVE_PORTS: '4', KILN_ALLOW_PRIVATE_FETCH: '1' })));
  const creds = await kiln.createAccount();
  accountId = creds.id;
  client = sdk(kiln, creds.apiToken);
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
  await client.stream.webhooks.update({ account_id: accountId, notificationUrl: hookUrl });
});
after(async () => {
  await kiln.close();
  hookServer.close();
  await rm(dir, { recursive: true, force: true });
});

test('live inputs and outputs: create, list, get, update, delete, with validation', async () => {
  const a = { account_id: accountId };
  const input = await client.stream.liveInputs.create({
    ...a,
    meta: { name: 'studio' },
    recording: { mode: 'automatic', timeoutSeconds: 0 },
    deleteRecordingAfterDays: 45,
  });
  assert.match(input.uid ?? '', /^[0-9a-f]{32}$/);
  assert.equal(input.enabled, true);
  assert.equal(input.recording?.mode, 'automatic');
  assert.equal(input.deleteRecordingAfterDays, 45);
  assert.match(input.rtmps?.url ?? '', /^rtmp:\/\/127\.0\.0\.1:\d+\/live\/$/);
  assert.match(input.rtmps?.streamKey ?? '', /^[0-9a-f]{32}k[0-9a-f]{32}$/);
  assert.match(input.srt?.url ?? '', /^srt:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(input.srt?.streamId, input.uid);
  assert.equal(input.playback?.hls, `${kiln.url}/stream/live/${input.uid}/manifest/video.m3u8`);
  assert.equal(input.playback?.dash, `${kiln.url}/stream/live/${input.uid}/manifest/video.mpd`);
  assert.deepEqual(input.recording?.allowedOrigins, []); // an array, as the SDK types it
  for (const absent of ['rtmpsPlayback', 'srtPlayback', 'webRTC', 'webRTCPlayback'])
    assert.equal(absent in input, false, `${absent} is not served, so absent`);
  const bare = await client.stream.liveInputs.create(a);
  assert.equal('deleteRecordingAfterDays' in bare, false, 'no null where the SDK expects a number');
  await client.stream.liveInputs.delete(bare.uid!, a);

  const list = await client.stream.liveInputs.list(a);
  assert.equal(list.total, 1);
  assert.equal(list.range, 1);
  assert.deepEqual(
    list.liveInputs?.map((i) => i.uid),
    [input.uid],
  );
  assert.equal((list.liveInputs![0] as Record<string, unknown>).rtmps, undefined);

  const updated = await client.stream.liveInputs.update(input.uid!, {
    ...a,
    enabled: false,
    meta: { name: 'b' },
  });
  assert.equal(updated.enabled, false);
  assert.deepEqual(updated.meta, { name: 'b' });
  assert.equal(updated.recording?.mode, 'automatic'); // untouched fields stay
  assert.equal((await client.stream.liveInputs.get(input.uid!, a)).enabled, false);
  await assert.rejects(client.stream.liveInputs.create({ ...a, deleteRecordingAfterDays: 5 }), {
    status: 400,
  });
  await assert.rejects(client.stream.liveInputs.create({ ...a, recording: { mode: 'sometimes' as 'off' } }), {
    status: 400,
  });

  const o = client.stream.liveInputs.outputs;
  const out = await o.create(input.uid!, { ...a, url: 'rtmp://127.0.0.1:1/app', streamKey: 'abc' });
  assert.deepEqual(
    { ...out, uid: undefined },
    { uid: undefined, url: 'rtmp://127.0.0.1:1/app', streamKey: 'abc', enabled: true },
  );
  const off = await o.update(out.uid!, { ...a, live_input_identifier: input.uid!, enabled: false });
  assert.equal(off.enabled, false);
  const outs = [];
  for await (const x of o.list(input.uid!, a)) outs.push(x);
  assert.deepEqual(outs, [off]);
  await assert.rejects(o.create(input.uid!, { ...a, url: 'http://example.com/x', streamKey: 'k' }), {
    status: 400,
  });
  await o.delete(out.uid!, { ...a, live_input_identifier: input.uid! });
  await assert.rejects(o.delete(out.uid!, { ...a, live_input_identifier: input.uid! }), { status: 404 });

  await client.stream.liveInputs.delete(input.uid!, a);
  await assert.rejects(client.stream.liveInputs.get(input.uid!, a), { status: 404 });
});

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** During a push: the live playlist answers and one of its segments downloads. */
async function checkLiveHls(hls: string): Promise<void> {
  const playlist = await waitFor(
    'the live playlist',
    async () => {
      const res = await fetch(hls);
      if (res.status !== 200) return null;
      const text = await res.text();
      return text.includes('.ts') ? { text, type: res.headers.get('content-type') } : null;
    },
    20_000,
  );
  assert.match(playlist.type ?? '', /mpegurl/);
  assert.doesNotMatch(playlist.text, /EXT-X-ENDLIST/);
  const segment = playlist.text.split('\n').find((l) => l.endsWith('.ts'))!;
  const res = await fetch(new URL(segment, hls));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'video/mp2t');
  assert.ok((await res.arrayBuffer()).byteLength > 1000);
}

/** During a push: the live DASH manifest answers and its init segment downloads. */
async function checkLiveDash(mpd: string): Promise<void> {
  const manifest = await waitFor(
    'the live DASH manifest',
    async () => {
      const res = await fetch(mpd);
      if (res.status !== 200) return null;
      const text = await res.text();
      return text.includes('<MPD') ? { text, type: res.headers.get('content-type') } : null;
    },
    20_000,
  );
  assert.equal(manifest.type, 'application/dash+xml');
  assert.match(manifest.text, /type="dynamic"/);
  const init = /initialization="([^"]+)"/.exec(manifest.text)![1]!.replace('$RepresentationID$', '0');
  const res = await fetch(new URL(init, mpd));
  assert.equal(res.status, 200);
  assert.ok((await res.arrayBuffer()).byteLength > 100);
}

async function recordingOf(inputId: string) {
  const v = await waitFor('the recording', async () => {
    const list = client.stream.list({ account_id: accountId, live_input_id: inputId, type: 'live' });
    for await (const video of list) {
      assert.equal((video as Record<string, unknown>).liveInput, inputId);
      if (video.status?.state !== 'live-inprogress') return video;
    }
    return null;
  });
  return waitSettled(client, accountId, v.uid!);
}

test('RTMP: live HLS while pushing, restream to an output, then a ready recording; webhooks', async () => {
  const a = { account_id: accountId };
  const input = await client.stream.liveInputs.create({
    ...a,
    recording: { mode: 'automatic' },
    deleteRecordingAfterDays: 45,
  });
  const destPort = await freePort();
  const destFile = join(dir, 'restream.ts');
  const dest = rtmpDestination(destPort, 'app/secret', destFile);
  await client.stream.liveInputs.outputs.create(input.uid!, {
    ...a,
    url: `rtmp://127.0.0.1:${destPort}/app`,
    streamKey: 'secret',
  });

  const pushing = pushLive(`${input.rtmps!.url}${input.rtmps!.streamKey}`, 'flv', 6);
  await checkLiveHls(input.playback!.hls!);
  assert.equal((await client.stream.liveInputs.get(input.uid!, a)).status, 'connected');
  await checkLiveDash(input.playback!.dash!);
  // The recording, while live-inprogress, plays the live stream at its own playback URLs.
  let live: Awaited<ReturnType<typeof client.stream.get>> | null = null;
  for await (const v of client.stream.list({ ...a, live_input_id: input.uid! })) live = v;
  assert.equal(live?.status?.state, 'live-inprogress');
  await checkLiveHls(live!.playback!.hls!);
  await checkLiveDash(live!.playback!.dash!);
  await pushing;

  const video = await recordingOf(input.uid!);
  assert.equal(video.status?.state, 'ready', JSON.stringify(video.status));
  assert.ok(Math.abs((video.duration ?? 0) - 6) < 1, `recorded ${video.duration} s`);
  assert.ok(video.scheduledDeletion, 'deleteRecordingAfterDays sets scheduledDeletion');
  const secs = await decodedSeconds(video.playback!.hls!);
  assert.ok(Math.abs(secs - 6) < 1, `plays ${secs} s`);
  assert.equal((await fetch(input.playback!.hls!)).status, 404); // no longer live
  assert.equal((await client.stream.liveInputs.get(input.uid!, a)).status, 'client_disconnect');

  // The restream destination received the broadcast.
  const { code, stderr } = await Promise.race([
    dest.done,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('destination still running')), 15_000),
    ),
  ]);
  assert.equal(code, 0, stderr);
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'csv=p=0',
    destFile,
  ]);
  const frames = Number.parseInt(stdout.trim(), 10);
  assert.ok(frames > 60, `restream carried ${frames} frames`);

  const events = await waitFor('live webhooks', async () => {
    const mine = hooks.filter((h) => (h.data as Record<string, unknown> | undefined)?.input_id === input.uid);
    return mine.length >= 2 ? mine : null;
  });
  assert.deepEqual(
    events.map((e) => (e.data as Record<string, unknown>).event_type),
    ['live_input.connected', 'live_input.disconnected'],
  );
  await waitFor('the ready webhook', async () => hooks.find((h) => h.uid === video.uid));
});

test("live playback follows the input's recording settings: signed URLs and allowed origins", async () => {
  const a = { account_id: accountId };
  const input = await client.stream.liveInputs.create({
    ...a,
    recording: { mode: 'off', requireSignedURLs: true, allowedOrigins: ['example.com'] },
  });
  const key = await client.stream.keys.create(a);
  const jwk = JSON.parse(Buffer.from(key.jwk!, 'base64').toString()) as Record<string, string>;
  const sign = async (claims: Record<string, unknown>) =>
    new SignJWT({ sub: input.uid, kid: key.id, exp: Math.floor(Date.now() / 1000) + 600, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.id! })
      .sign(await importJWK(jwk, 'RS256'));
  const hls = input.playback!.hls!;
  const signedHls = hls.replace(input.uid!, await sign({}));

  const pushing = pushLive(`${input.rtmps!.url}${input.rtmps!.streamKey}`, 'flv', 6);
  // The signed URL plays, segments included (their names are relative to the token's path).
  await checkLiveHls(signedHls);
  const unsigned = await fetch(hls);
  assert.equal(unsigned.status, 401, 'the bare uid is refused');
  assert.match(await unsigned.text(), /signed URL/);
  const expired = hls.replace(input.uid!, await sign({ exp: Math.floor(Date.now() / 1000) - 10 }));
  assert.notEqual((await fetch(expired)).status, 200);
  assert.equal((await fetch(signedHls, { headers: { origin: 'https://evil.example' } })).status, 403);
  const allowed = await fetch(signedHls, { headers: { origin: 'https://example.com' } });
  assert.equal(allowed.status, 200);
  await allowed.arrayBuffer();
  await pushing;
  await client.stream.liveInputs.delete(input.uid!, a);
  await client.stream.keys.delete(key.id!, a);
});

test('SRT: live HLS while pushing with the passphrase, then a ready recording; a wrong passphrase is refused', async () => {
  const a = { account_id: accountId };
  const input = await client.stream.liveInputs.create({ ...a, recording: { mode: 'automatic' } });
  const url = new URL(input.srt!.url!);
  const srt = (passphrase: string, streamId = input.srt!.streamId) =>
    `srt://${url.host}?streamid=${streamId}&passphrase=${passphrase}&pbkeylen=16`;
  for (const [streamId, passphrase] of [
    [input.uid!, 'not-the-passphrase'],
    ['0'.repeat(32), input.srt!.passphrase!],
  ]) {
    const refused = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=160x90:rate=10',
        '-t',
        '2',
      ].concat(['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', srt(passphrase!, streamId)]),
      { stdio: 'ignore' },
    );
    const code = await new Promise((r) => refused.once('close', r));
    assert.notEqual(code, 0, `streamid ${streamId} with passphrase ${passphrase} was taken`);
  }
  await new Promise((r) => setTimeout(r, 5500)); // the listener started for the wrong passphrase gives up
  const pushing = pushLive(srt(input.srt!.passphrase!), 'mpegts', 5);
  await checkLiveHls(input.playback!.hls!);
  await pushing;
  const video = await recordingOf(input.uid!);
  assert.equal(video.status?.state, 'ready', JSON.stringify(video.status));
  assert.ok(Math.abs((video.duration ?? 0) - 5) < 1, `recorded ${video.duration} s`);
  await client.stream.liveInputs.delete(input.uid!, a);
});

/** An ffmpeg publisher of `seconds` of test media; resolves with its exit code and stderr. */
function publisher(target: string, seconds: number) {
  const push = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15']
      .concat(['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15'])
      .concat(['-f', 'flv', target]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  push.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const started = Date.now();
  return new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) =>
    push.once('close', (code) => resolve({ code, stderr, ms: Date.now() - started })),
  );
}

test('RTMP with a wrong stream key is refused at publish: nothing goes live, nothing is recorded', async () => {
  const a = { account_id: accountId };
  const input = await client.stream.liveInputs.create({ ...a, recording: { mode: 'automatic' } });
  const other = await client.stream.liveInputs.create(a);
  for (const key of ['wrong-key', other.rtmps!.streamKey!.replace(/k.*/, `k${input.uid}`)]) {
    const pushing = publisher(`${input.rtmps!.url}${key}`, 4);
    let live = false;
    let result: Awaited<typeof pushing> | null = null;
    void pushing.then((r) => {
      result = r;
    });
    while (!result) {
      live ||= (await fetch(input.playback!.hls!)).status === 200;
      await new Promise((r) => setTimeout(r, 200));
    }
    const { code, stderr, ms } = result as Awaited<typeof pushing>;
    assert.notEqual(code, 0);
    assert.match(stderr, /Publishing refused|BadName|Server error/, stderr);
    assert.equal(live, false, 'a wrong key went live');
    assert.ok(ms < 3000, 'the publisher was cut off');
  }
  assert.equal((await client.stream.liveInputs.get(input.uid!, a)).status, null);
  const recorded = [];
  for await (const v of client.stream.list({ ...a, live_input_id: input.uid! })) recorded.push(v.uid);
  assert.deepEqual(recorded, []);
  await client.stream.liveInputs.delete(input.uid!, a);
  await client.stream.liveInputs.delete(other.uid!, a);
});

test('a second RTMP publisher is refused while the first is live; disabling the input cuts the first off', async () => {
  const a = { account_id: accountId };
  const input = await client.stream.liveInputs.create(a);
  const target = `${input.rtmps!.url}${input.rtmps!.streamKey}`;
  const first = publisher(target, 30);
  await checkLiveHls(input.playback!.hls!);
  const second = await publisher(target, 3);
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /Publishing refused|BadName|Server error/, second.stderr);
  await client.stream.liveInputs.update(input.uid!, { ...a, enabled: false });
  const cut = await first;
  assert.ok(cut.ms < 25_000, `the live publisher ran on for ${cut.ms} ms after the input was disabled`);
  await client.stream.liveInputs.delete(input.uid!, a);
});
