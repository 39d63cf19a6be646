/**
 * bench/video: Kiln's transcode() of a 1080p 30 s clip next to a plain ffmpeg command doing the
 * same ladder (the same filter graph, codec settings and packaging, one process) in the same run.
 *   node --import tsx bench/video.ts            (BENCH_ROUNDS=n to alternate n rounds; best of each)
 * Goal: Kiln at most 1.1x the plain command.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultFfmpegTools } from '../src/adapters/ffmpeg/locate-ffmpeg.js';
import { buildLadder } from '../src/core/video/ladder.js';
import { probeMedia } from '../src/core/video/probe.js';
import { DASH_MANIFEST, ladderArgs, transcode } from '../src/core/video/transcode.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 1);

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

/**
 * CPU seconds (user + system) of this process's reaped children, from /proc/self/stat (cutime,
 * cstime): the machine is shared, so wall time is noisy; the CPU the encoder burns is not.
 */
async function childCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // fields 16 and 17 of proc(5), USER_HZ = 100
}

async function measure(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpuBefore = await childCpuSeconds();
  const wall = await timed(fn);
  return { wall, cpu: (await childCpuSeconds()) - cpuBefore };
}

const work = await mkdtemp(join(tmpdir(), 'kiln-bench-video-'));
try {
  const tools = await defaultFfmpegTools();
  console.log(`${tools.version}`);
  const clip = join(work, 'clip-1080p-30s.mp4');
  const made = await timed(() =>
    run(tools.ffmpeg, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1920x1080:rate=30',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440',
      '-t',
      '30',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      clip,
    ]),
  );
  console.log(`test clip: 1920x1080, 30 fps, 30 s, AAC (made in ${made.toFixed(1)} s)`);

  // The baseline: exactly the command Kiln runs, minus Kiln (no probe, no progress pipe, no checks).
  const probe = await probeMedia(clip, { tools });
  const rungs = buildLadder(probe);
  console.log(
    `ladder: ${rungs.map((r) => `${r.name} ${r.width}x${r.height} @ ${r.videoBitrate / 1e6} Mbps`).join(', ')}`,
  );
  const plainArgs = ladderArgs(clip, probe, rungs, 'veryfast').filter(
    (a, i, all) => a !== '-progress' && all[i - 1] !== '-progress',
  );

  const plainRuns: Array<{ wall: number; cpu: number }> = [];
  const kilnRuns: Array<{ wall: number; cpu: number }> = [];
  const runPlain = async (round: number) => {
    const out = join(work, `plain-${round}`);
    await mkdir(join(out, 'manifest'), { recursive: true });
    plainRuns.push(await measure(() => run(tools.ffmpeg, [...plainArgs, join(out, DASH_MANIFEST)])));
    await rm(out, { recursive: true, force: true });
  };
  const runKiln = async () => {
    kilnRuns.push(
      await measure(async () => {
        const result = await transcode(clip, { tools, tempRoot: work });
        await result.dispose();
      }),
    );
  };
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so that neither side always runs on a warmer (or busier) machine.
    if (round % 2 === 0) {
      await runPlain(round);
      await runKiln();
    } else {
      await runKiln();
      await runPlain(round);
    }
    const p = plainRuns.at(-1)!;
    const k = kilnRuns.at(-1)!;
    console.log(
      `round ${round + 1}: plain ffmpeg ${p.wall.toFixed(2)} s (cpu ${p.cpu.toFixed(1)} s), kiln transcode() ${k.wall.toFixed(2)} s (cpu ${k.cpu.toFixed(1)} s)`,
    );
  }
  const best = (runs: Array<{ wall: number; cpu: number }>, key: 'wall' | 'cpu') =>
    Math.min(...runs.map((r) => r[key]));
  console.log(
    `plain ffmpeg (same ladder, one process): ${best(plainRuns, 'wall').toFixed(2)} s wall, ${best(plainRuns, 'cpu').toFixed(1)} s cpu`,
  );
  console.log(
    `kiln transcode() (probe + ladder + packaging): ${best(kilnRuns, 'wall').toFixed(2)} s wall, ${best(kilnRuns, 'cpu').toFixed(1)} s cpu`,
  );
  console.log(
    `ratio kiln/plain: wall ${(best(kilnRuns, 'wall') / best(plainRuns, 'wall')).toFixed(3)}x, cpu ${(best(kilnRuns, 'cpu') / best(plainRuns, 'cpu')).toFixed(3)}x (goal <= 1.1x)`,
  );
  console.log(
    `machine load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${cpus().length} cores`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
