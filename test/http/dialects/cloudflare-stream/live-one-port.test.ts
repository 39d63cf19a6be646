import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type Cloudflare from 'cloudflare';
import { freePort } from '../../../support/free-port.js';
import type { TestKiln } from '../../../support/start-kiln.js';
import { startLiveKiln } from '../../../support/start-live-kiln.js';
import { sdk } from './stream-support.js';

// Twenty live inputs publish at once: a third on the one RTMP port, a third over RTMPS on its own
// port, a third on the one SRT port (routed by streamid, checked by passphrase): every live
// playlist advances. The media is a tiny pre-encoded clip pushed with copy, so the
// publishers cost next to nothing on a loaded machine.

const run = promisify(execFile);
const INPUTS = Number(process.env.LIVE_INPUTS ?? 20);
const PUSH_SECONDS = 10;

let kiln: TestKiln;
let client: Cloudflare;
let accountId: string;
let dir: string;
let rtmpPort: number;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-live-port-'));
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
    ...['-keyout', key, '-out', cert],
  ]);
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10'],
    ...['-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p'],
    ...['-f', 'flv', join(dir, 'clip.flv')],
  ]);
  ({ kiln, rtmpPort } = await startLiveKiln(async () => ({
    KILN_RTMPS_PORT: String(await freePort()),
    KILN_RTMPS_CERT: cert,
    KILN_RTMPS_KEY: key,
    KILN_LIVE_PORTS: String(INPUTS),
  })));
  const creds = await kiln.createAccount();
  accountId = creds.id;
  client = sdk(kiln, creds.apiToken);
});
after(async () => {
  await kiln?.close();
  await rm(dir, { recursive: true, force: true });
});

function push(target: string) {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-stream_loop',
    '-1',
    '-i',
    join(dir, 'clip.flv'),
  ];
  args.push('-t', String(PUSH_SECONDS), '-c', 'copy', '-f', 'flv', target);
  return exited(spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
}

/** An SRT publisher: MPEG-TS encoded on the fly (tiny), as encoders send it. */
function pushSrt(target: string) {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x90:rate=10',
  ];
  args.push('-t', String(PUSH_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10');
  args.push('-pix_fmt', 'yuv420p', '-f', 'mpegts', target);
  return exited(spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
}

function exited(child: ChildProcess) {
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stderr })),
  );
}

const mediaSequence = (playlist: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? -1);
const segmentsOf = (playlist: string) => playlist.split('\n').filter((l) => l.endsWith('.ts'));

test(`${INPUTS} inputs publish at once on the one RTMP, RTMPS and SRT ports: every live playlist advances`, async () => {
  const a = { account_id: accountId };
  const inputs: Awaited<ReturnType<typeof client.stream.liveInputs.create>>[] = [];
  for (let i = 0; i < INPUTS; i++) inputs.push(await client.stream.liveInputs.create(a));
  const rtmpsUrl = inputs[0]!.rtmps!.url!;
  assert.match(rtmpsUrl, /^rtmps:\/\/127\.0\.0\.1:\d+\/live\/$/);
  const plainUrl = `rtmp://127.0.0.1:${rtmpPort}/live/`;

  const srtUrl = new URL(inputs[0]!.srt!.url!);
  assert.equal(srtUrl.port, String(rtmpPort), 'SRT on the RTMP port number, over UDP');
  const target = (input: (typeof inputs)[number], i: number) => {
    if (i % 3 === 2) {
      // The listener is started when the caller arrives: on a loaded machine that may take longer
      // than SRT's default 3 s connect timeout.
      const q = `streamid=${input.srt!.streamId}&passphrase=${input.srt!.passphrase}&pbkeylen=16&connect_timeout=15000`;
      return `srt://${srtUrl.host}?${q}`;
    }
    return `${i % 3 ? rtmpsUrl : plainUrl}${input.rtmps!.streamKey}`;
  };
  const pushes = inputs.map((input, i) => (i % 3 === 2 ? pushSrt : push)(target(input, i)));
  const seen = new Map<string, { first: string; advanced: boolean }>();
  const deadline = Date.now() + PUSH_SECONDS * 1000 + 15_000;
  while ([...seen.values()].filter((s) => s.advanced).length < INPUTS && Date.now() < deadline) {
    await Promise.all(
      inputs.map(async (input) => {
        const res = await fetch(input.playback!.hls!);
        if (res.status !== 200) return void (await res.arrayBuffer());
        const text = await res.text();
        if (segmentsOf(text).length === 0) return;
        const s = seen.get(input.uid!);
        if (!s) seen.set(input.uid!, { first: text, advanced: false });
        else if (text !== s.first && mediaSequence(text) >= mediaSequence(s.first)) s.advanced = true;
      }),
    );
    await new Promise((r) => setTimeout(r, 1000));
  }
  const results = await Promise.all(pushes);
  for (const [i, r] of results.entries()) assert.equal(r.code, 0, `publisher ${i}: ${r.stderr}`);
  const stuck = inputs
    .map((input, i) => ({ i, seen: seen.get(input.uid!) }))
    .filter(({ seen }) => !seen?.advanced)
    .map(
      ({ i, seen }) => `input ${i}: ${seen ? `stayed at ${seen.first.replace(/\n/g, ' ')}` : 'never live'}`,
    );
  assert.deepEqual(stuck, [], 'every live playlist advanced');
  for (const input of inputs) await client.stream.liveInputs.delete(input.uid!, a);
});
