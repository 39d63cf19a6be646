/**
 * bench/live: live ingest on the one RTMP port. N publishers push a 720p 2.5 Mbps H.264 clip
 * (copy, real time) to N live inputs; prints
 *  - latency from a frame pushed to that frame being in the live playlist, by the segments' timing:
 *    with `-re`, media time T is pushed at start + T, so a segment ending at T that first appears in
 *    the served playlist at wall time W was W - (start + T) behind (its last frame; the frames
 *    before it waited longer by up to a segment);
 *  - CPU per concurrent input (the packaging ffmpeg processes plus Kiln's own share of this process)
 *    and how many inputs the machine's cores would hold at that rate.
 *   node --import tsx bench/live.ts     (BENCH_INPUTS=n, default 4; BENCH_SECONDS=s, default 20)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Cloudflare from 'cloudflare';
import { freePort } from '../test/support/free-port.js';
import { startKiln } from '../test/support/start-kiln.js';

const INPUTS = Number(process.env.BENCH_INPUTS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const run = promisify(execFile);

/** utime + stime of a live process, in seconds (/proc/<pid>/stat fields 14 and 15). */
async function processCpu(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Packaging ffmpeg processes (reading FLV from a pipe) anywhere below this process. */
async function packagerPids(): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('ffmpeg') && cmd.includes('pipe:0') && !cmd.includes('bwrap')) out.push(Number(name));
  }
  return out;
}

const work = await mkdtemp(join(tmpdir(), 'kiln-bench-live-'));
const rtmpPort = await freePort();
const kiln = await startKiln({ env: { KILN_RTMP_PORT: String(rtmpPort) } });
const publishers: ChildProcess[] = [];
try {
  const clip = join(work, 'clip-720p.flv');
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '10', '-c:v', 'libx264', '-preset', 'veryfast'],
    ...['-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k', '-g', '60', '-keyint_min', '60'],
    ...['-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', clip],
  ]);
  const creds = await kiln.createAccount();
  const client = new Cloudflare({
    apiToken: creds.apiToken,
    baseURL: `${kiln.url}/client/v4`,
    maxRetries: 0,
  });
  const inputs = [];
  for (let i = 0; i < INPUTS; i++)
    inputs.push(await client.stream.liveInputs.create({ account_id: creds.id }));

  const started = Date.now();
  for (const input of inputs) {
    const args = ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip];
    args.push(
      '-t',
      String(SECONDS),
      '-c',
      'copy',
      '-f',
      'flv',
      `${input.rtmps!.url}${input.rtmps!.streamKey}`,
    );
    publishers.push(spawn('ffmpeg', args, { stdio: 'ignore' }));
  }
  const latencies: number[] = [];
  const seen = new Set<string>();
  let cpuStart: { packagers: number; self: NodeJS.CpuUsage; at: number } | null = null;
  let cpuEnd: { packagers: number; self: NodeJS.CpuUsage; at: number } | null = null;
  const packagersCpu = async () =>
    (await Promise.all((await packagerPids()).map(processCpu))).reduce((a, b) => a + b, 0);
  while (Date.now() - started < (SECONDS - 1) * 1000) {
    const res = await fetch(inputs[0]!.playback!.hls!);
    if (res.status === 200) {
      const at = Date.now();
      const text = await res.text();
      let sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
      // Segments before the window: their durations are not listed; assume the target duration.
      let end = sequence * Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 2);
      for (const m of text.matchAll(/#EXTINF:([\d.]+),\n(\S+)/g)) {
        end += Number(m[1]);
        if (!seen.has(m[2]!)) {
          seen.add(m[2]!);
          if (sequence > 0 || seen.size > 1) latencies.push((at - started) / 1000 - end);
        }
        sequence++;
      }
    } else await res.arrayBuffer();
    const elapsed = Date.now() - started;
    if (!cpuStart && elapsed > 5000)
      cpuStart = { packagers: await packagersCpu(), self: process.cpuUsage(), at: Date.now() };
    if (cpuStart && elapsed > (SECONDS - 2) * 1000 && !cpuEnd)
      cpuEnd = { packagers: await packagersCpu(), self: process.cpuUsage(), at: Date.now() };
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.all(
    publishers.map((p) => new Promise((r) => (p.exitCode === null ? p.once('close', r) : r(null)))),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  console.log(`inputs ${INPUTS}, ${SECONDS} s each, 720p30 2.5 Mbps H.264 + AAC, copy, 2 s segments`);
  console.log(
    `latency frame pushed -> in live playlist (last frame of each segment, input 0, n=${latencies.length}): ` +
      `median ${pct(0.5).toFixed(2)} s, max ${pct(1).toFixed(2)} s (+ up to one segment for its first frame)`,
  );
  if (cpuStart && cpuEnd) {
    const wall = (cpuEnd.at - cpuStart.at) / 1000;
    const self = process.cpuUsage(cpuStart.self);
    const selfCpu = (self.user + self.system) / 1e6; // includes this bench's polling: an upper bound
    const packagers = cpuEnd.packagers - cpuStart.packagers;
    const perInput = (packagers + selfCpu) / wall / INPUTS;
    console.log(
      `CPU per input: ${(perInput * 100).toFixed(1)}% of a core (packaging ffmpeg ${((packagers / wall / INPUTS) * 100).toFixed(1)}%, ` +
        `Kiln's process ${((selfCpu / wall / INPUTS) * 100).toFixed(1)}%) -> ${cpus().length} cores hold about ${Math.floor(cpus().length / perInput)} inputs`,
    );
  }
} finally {
  for (const p of publishers) p.kill('SIGKILL');
  await kiln.close();
  await rm(work, { recursive: true, force: true });
}
