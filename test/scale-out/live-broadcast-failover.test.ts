import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import Cloudflare from 'cloudflare';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { waitSettled } from '../http/dialects/cloudflare-stream/stream-support.js';
import { freePort } from '../support/free-port.js';
import { type KilnCluster, type KilnProcess, startKilnCluster } from '../support/kiln-cluster.js';

// Two ingest nodes (workers, each with its RTMP port) and one API node on PostgreSQL + S3. The node
// holding a broadcast is killed mid-broadcast; the publisher's reconnect to the other node is
// refused until the lease runs out, then continues the same broadcast: one recording, both parts.

const LEASE_SECONDS = 3;
let cluster: KilnCluster;
let account: AccountCredentials;
let client: Cloudflare;
let nodes: Array<{ proc: KilnProcess; port: number }>;

before(async () => {
  cluster = await startKilnCluster({
    apis: 1,
    workers: 0,
    env: { KILN_LIVE_LEASE_SECONDS: String(LEASE_SECONDS) },
  });
  nodes = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    nodes.push({ proc: await cluster.startProcess('worker', { KILN_RTMP_PORT: String(port) }), port });
  }
  account = await cluster.createAccount('live');
  client = new Cloudflare({
    apiToken: account.apiToken,
    baseURL: `${cluster.apis[0]!.url}/client/v4`,
    maxRetries: 0,
  });
});
after(() => cluster?.close());

/** A live publisher (160x90, 10 fps, 1 s GOP) pushing until `seconds` or until killed. */
function publish(url: string, seconds: number) {
  const child: ChildProcess = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10']
      .concat(['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10'])
      .concat(['-pix_fmt', 'yuv420p', '-f', 'flv', url]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const started = Date.now();
  const done = new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) =>
    child.once('close', (code) => resolve({ code, stderr, ms: Date.now() - started })),
  );
  return { child, done };
}

async function liveSegments(hls: string): Promise<number> {
  const res = await fetch(hls);
  const text = await res.text();
  return res.status === 200 ? text.split('\n').filter((l) => l.endsWith('.ts')).length : 0;
}

test('the holding node dies mid-broadcast: a reconnect to the other node continues the same recording', async () => {
  const a = { account_id: account.id };
  const input = await client.stream.liveInputs.create({
    ...a,
    recording: { mode: 'automatic', timeoutSeconds: 10 },
  });
  const key = input.rtmps!.streamKey!;
  const url = (i: number) => `rtmp://127.0.0.1:${nodes[i]!.port}/live/${key}`;

  // Part 1 on node 0.
  const first = publish(url(0), 60);
  const deadline = Date.now() + 30_000;
  while ((await liveSegments(input.playback!.hls!)) < 3) {
    assert.ok(Date.now() < deadline, 'part 1 never went live');
    await new Promise((r) => setTimeout(r, 300));
  }
  // A second publisher, on the other node, is refused while the first is live.
  const second = await publish(url(1), 3).done;
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /Publishing refused|Server error/, second.stderr);

  await new Promise((r) => setTimeout(r, 2000));
  const killedAt = Date.now();
  await nodes[0]!.proc.kill('SIGKILL');
  first.child.kill('SIGKILL');
  const part1Ms = killedAt - (Date.now() - (await first.done).ms);

  // The publisher reconnects to node 1: refused until the dead node's lease runs out.
  let part2: Awaited<ReturnType<typeof publish>['done']> | null = null;
  let refused = 0;
  while (!part2) {
    assert.ok(Date.now() - killedAt < 30_000, 'the reconnect was never accepted');
    const attempt = await publish(url(1), 6).done;
    if (attempt.code === 0 && attempt.ms > 5000) part2 = attempt;
    else {
      refused++;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  assert.ok(refused > 0, 'the dead holder kept the input until its lease ran out');

  let recordings: Array<{ uid?: string; status?: { state?: string } }> = [];
  const until = Date.now() + 120_000;
  for (;;) {
    recordings = [];
    for await (const v of client.stream.list({ ...a, live_input_id: input.uid! })) recordings.push(v);
    if (recordings.length === 1 && recordings[0]!.status?.state !== 'live-inprogress') break;
    assert.ok(recordings.length <= 1, `one recording, not ${recordings.length}`);
    assert.ok(Date.now() < until, 'the recording was never finished');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const video = await waitSettled(client, account.id, recordings[0]!.uid!);
  assert.equal(video.status?.state, 'ready', JSON.stringify(video.status));
  const duration = video.duration ?? 0;
  const part1 = part1Ms / 1000;
  // Part 1 loses at most the segment being written when the node died (2 s segments).
  assert.ok(duration >= 6 + part1 - 3.5, `recorded ${duration} s of ${part1.toFixed(1)} + 6 s`);
  assert.ok(duration <= 6 + part1 + 1, `recorded ${duration} s of ${part1.toFixed(1)} + 6 s`);
});
