import { defaultFfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import { KilnError } from '../errors/kiln-error.js';
import { probeMedia } from '../video/probe.js';
import type { VideoPlan, VideoQuality } from './conversion-paths.js';

/** Per output format: container, codecs, quality flags, MIME type. */
const FORMATS = {
  mp4: {
    mime: 'video/mp4',
    video: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
    audio: ['-c:a', 'aac', '-b:a', '128k'],
    quality: (q: VideoQuality) => [
      '-crf',
      String({ lightest: 32, lighter: 28, normal: 23, better: 20, best: 18 }[q]),
    ],
    extra: ['-movflags', '+faststart', '-f', 'mp4'],
  },
  webm: {
    mime: 'video/webm',
    video: ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8'],
    audio: ['-c:a', 'libvorbis'],
    quality: (q: VideoQuality) => [
      '-crf',
      String({ lightest: 45, lighter: 40, normal: 33, better: 28, best: 24 }[q]),
      '-b:v',
      '2M',
    ],
    extra: ['-f', 'webm'],
  },
  ogg: {
    mime: 'video/ogg',
    video: ['-c:v', 'libtheora'],
    audio: ['-c:a', 'libvorbis'],
    quality: (q: VideoQuality) => [
      '-q:v',
      String({ lightest: 3, lighter: 5, normal: 6, better: 8, best: 10 }[q]),
    ],
    extra: ['-f', 'ogg'],
  },
} as const;

export function videoMime(format: VideoPlan['format']): string {
  return FORMATS[format].mime;
}

/** The scale (and crop or pad) filter of a `size` operation; even sides for the encoders. */
export function sizeFilter(size: VideoPlan['size']): string | null {
  if (!size) return 'scale=trunc(iw/2)*2:trunc(ih/2)*2';
  const { width: w, height: h, mode } = size;
  if (!w) return `scale=-2:${h}`;
  if (!h) return `scale=${w}:-2`;
  switch (mode) {
    case 'change_ratio':
      return `scale=${w}:${h},setsar=1`;
    case 'scale_crop':
      return `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},setsar=1`;
    case 'add_padding':
      return `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1`;
    default:
      return `scale=${w}:${h}:force_original_aspect_ratio=decrease,scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1`;
  }
}

/** ffmpeg's arguments for a plan (pure, so the mapping is testable without running anything). */
export function videoArgs(input: string, output: string, plan: VideoPlan, hasAudio: boolean): string[] {
  const f = FORMATS[plan.format];
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y'];
  if (plan.cut) args.push('-ss', plan.cut.start.toFixed(3));
  args.push('-i', input);
  if (plan.cut && plan.cut.length !== 'end') args.push('-t', plan.cut.length.toFixed(3));
  args.push('-map', '0:v:0', ...(hasAudio ? ['-map', '0:a:0'] : []));
  args.push('-vf', sizeFilter(plan.size)!, ...f.video, ...f.quality(plan.quality));
  args.push(...(hasAudio ? f.audio : ['-an']), ...f.extra, output);
  return args;
}

/** Runs the conversion of a local file to a local file; progress goes to `onProgress` (0..1). */
export async function convertVideoFile(
  input: string,
  output: string,
  plan: VideoPlan,
  options: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
): Promise<void> {
  const tools = await defaultFfmpegTools();
  const probe = await probeMedia(input, { tools, signal: options.signal });
  if (!probe.hasVideo) throw new KilnError('processing_failed', 'The file has no video stream.');
  const start = plan.cut?.start ?? 0;
  if (start >= probe.durationSeconds)
    throw new KilnError('processing_failed', 'The cut starts after the end of the video.');
  const length =
    plan.cut && plan.cut.length !== 'end'
      ? Math.min(plan.cut.length, probe.durationSeconds - start)
      : probe.durationSeconds - start;
  await runTool(tools.ffmpeg, ['-progress', 'pipe:1', ...videoArgs(input, output, plan, probe.hasAudio)], {
    name: 'ffmpeg',
    signal: options.signal,
    timeoutMs: 60 * 60 * 1000,
    progress: { durationSeconds: length, onProgress: (fraction) => options.onProgress?.(fraction) },
  });
}
