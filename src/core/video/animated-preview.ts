import { defaultFfmpegTools, type FfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import { errors, KilnError } from '../errors/kiln-error.js';
import { inputArgs } from './media-formats.js';
import { type MediaProbe, probeMedia } from './probe.js';
import { type FrameTime, MAX_THUMBNAIL_DIMENSION, resolveFrameTime } from './thumbnail.js';

/**
 * An animated GIF of a stretch of video (Cloudflare's thumbnail.gif), in one ffmpeg call:
 * the frames are split, one branch builds an optimal 256-colour palette (palettegen) and the
 * other is mapped onto it (paletteuse), which looks far better than ffmpeg's default GIF palette.
 */
export interface AnimatedPreviewOptions extends FrameTime {
  /** Seconds of video; default 5, at most MAX_PREVIEW_SECONDS. */
  duration?: number;
  /** Frames per second; default 8. */
  fps?: number;
  /** Output height (width follows the aspect ratio); default the display height, at most 480. */
  height?: number;
  tools?: FfmpegTools;
  probe?: MediaProbe;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export const MAX_PREVIEW_SECONDS = 15;
export const MAX_PREVIEW_FPS = 30;
const DEFAULT_MAX_HEIGHT = 480;

export async function renderAnimatedPreview(
  input: string,
  options: AnimatedPreviewOptions = {},
): Promise<Buffer> {
  const duration = options.duration ?? 5;
  const fps = options.fps ?? 8;
  if (!(duration > 0 && duration <= MAX_PREVIEW_SECONDS)) {
    throw errors.invalid(`duration must be more than 0 and at most ${MAX_PREVIEW_SECONDS} seconds`, {
      field: 'duration',
    });
  }
  if (!(fps >= 1 && fps <= MAX_PREVIEW_FPS)) {
    throw errors.invalid(`fps must be from 1 to ${MAX_PREVIEW_FPS}`, { field: 'fps' });
  }
  const height = options.height;
  if (
    height !== undefined &&
    !(Number.isInteger(height) && height >= 2 && height <= MAX_THUMBNAIL_DIMENSION)
  ) {
    throw errors.invalid(`height must be an integer from 2 to ${MAX_THUMBNAIL_DIMENSION}`, {
      field: 'height',
    });
  }
  const tools = options.tools ?? (await defaultFfmpegTools());
  const probe = options.probe ?? (await probeMedia(input, { tools, signal: options.signal }));
  if (!probe.hasVideo) throw new KilnError('processing_failed', 'The file has no video stream to preview');
  const start = resolveFrameTime(options, probe.durationSeconds);
  const scale = height !== undefined ? `scale=-2:${height}` : `scale=-2:'min(ih,${DEFAULT_MAX_HEIGHT})'`;
  const graph = `fps=${fps},${scale}:flags=lanczos,setsar=1,split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=5`;
  const { stdout } = await runTool(
    tools.ffmpeg,
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-ss',
      start.toFixed(3),
      '-t',
      `${duration}`,
      ...inputArgs(input, probe.demuxer),
    ].concat(['-map', `0:${probe.videoStreamIndex}`, '-vf', graph, '-loop', '0', '-f', 'gif', 'pipe:1']),
    {
      name: 'ffmpeg',
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 120_000,
      access: { read: [input] },
    },
  );
  if (stdout.length === 0)
    throw new KilnError('processing_failed', `No video frames at ${start.toFixed(2)} s`);
  return stdout;
}
