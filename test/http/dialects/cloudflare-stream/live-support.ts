import { type ChildProcess, spawn } from 'node:child_process';

/** Test media for live pushes: 320x240 at 15 fps with a 1 s GOP (live HLS cuts at keyframes) and a tone. */
const SOURCE = [
  '-re',
  '-f',
  'lavfi',
  '-i',
  'testsrc2=size=320x240:rate=15',
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=440',
];
const ENCODE = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];

function exit(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

/**
 * Pushes `seconds` of live media to `target` (flv over RTMP or mpegts over SRT). The ingest
 * listener may not be up yet when the input was just created: a refused connection is retried.
 * Resolves once a push has run its whole length.
 */
export async function pushLive(target: string, format: 'flv' | 'mpegts', seconds: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const started = Date.now();
    const child = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        ...SOURCE,
        '-t',
        String(seconds),
        ...ENCODE,
        '-f',
        format,
        target,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const { code, stderr } = await exit(child);
    if (code === 0 && Date.now() - started > seconds * 1000 - 500) return;
    if (Date.now() > deadline) throw new Error(`push to ${target} failed: ${stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** An RTMP server for one publisher (the restream destination), recording what it receives. */
export function rtmpDestination(port: number, path: string, out: string) {
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-listen',
      '1',
      '-f',
      'flv',
      '-i',
      `rtmp://127.0.0.1:${port}/${path}`,
      '-map',
      '0',
      '-c',
      'copy',
      '-f',
      'mpegts',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { child, done: exit(child) };
}
