import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Small test videos made with ffmpeg's test sources (a few hundred KB in all). */
export interface VideoFixtures {
  dir: string;
  /** 640x360, 30 fps, 3 s, H.264 + AAC. */
  withAudio: string;
  /** 320x240, 25 fps, 3 s, H.264 only. */
  noAudio: string;
  /** withAudio tagged rotate=90 (stream copy): coded 640x360, displayed 360x640. */
  rotated: string;
  /** 160x90, 2 s, smaller than the lowest rung. */
  tiny: string;
  /** 64 KB of plain text named .mp4 (deterministic: random bytes now and then look like a stream to ffprobe). */
  notVideo: string;
  /** The first half of withAudio (moov atom lost). */
  truncated: string;
  /** withAudio with its index up front (faststart), cut at 60%: probes fine, decoding stops early. */
  truncatedIndexed: string;
  remove(): Promise<void>;
}

export async function makeVideoFixtures(): Promise<VideoFixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-video-fixtures-'));
  const f = (name: string) => join(dir, name);
  const enc = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  await ffmpeg(
    ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440'].concat([
      '-t',
      '3',
      ...enc,
      '-c:a',
      'aac',
      f('with-audio.mp4'),
    ]),
  );
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '3', ...enc, f('no-audio.mp4')]);
  await ffmpeg(['-i', f('with-audio.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', f('rotated.mp4')]);
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=30', '-t', '2', ...enc, f('tiny.mp4')]);
  await writeFile(f('not-video.mp4'), 'Kiln test: this file is plain text, not a video.\n'.repeat(1340));
  const whole = await readFile(f('with-audio.mp4'));
  await writeFile(f('truncated.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
  await ffmpeg(['-i', f('with-audio.mp4'), '-c', 'copy', '-movflags', '+faststart', f('faststart.mp4')]);
  const indexed = await readFile(f('faststart.mp4'));
  await writeFile(f('truncated-indexed.mp4'), indexed.subarray(0, Math.floor(indexed.length * 0.6)));
  return {
    dir,
    withAudio: f('with-audio.mp4'),
    noAudio: f('no-audio.mp4'),
    rotated: f('rotated.mp4'),
    tiny: f('tiny.mp4'),
    notVideo: f('not-video.mp4'),
    truncated: f('truncated.mp4'),
    truncatedIndexed: f('truncated-indexed.mp4'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

export interface DecodedStream {
  codec_type: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
  side_data_list?: Array<{ rotation?: number }>;
}

/** Independent check with the ffprobe CLI: streams (frames counted by decoding) and duration. */
export async function decode(path: string): Promise<{ streams: DecodedStream[]; duration: number }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    path,
  ]);
  const json = JSON.parse(stdout) as { streams: DecodedStream[]; format: { duration?: string } };
  return { streams: json.streams, duration: Number(json.format.duration) };
}
