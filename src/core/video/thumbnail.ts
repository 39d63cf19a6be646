import { defaultFfmpegTools, type FfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import { errors, KilnError } from '../errors/kiln-error.js';
import { inputArgs } from './media-formats.js';
import { type MediaProbe, probeMedia } from './probe.js';

/**
 * A JPEG still of a video at a moment, sized like Cloudflare Stream's thumbnail URL options.
 * `fit` with both width and height (Cloudflare's names):
 *   crop  fill the box, cut what overflows (default)
 *   clip  fit inside the box, aspect kept, no padding (result may be smaller on one side)
 *   scale stretch to exactly the box
 *   fill  fit inside the box and pad with black to exactly the box
 * With only one of width/height the other follows the aspect ratio; with neither, the display size.
 */
export type ThumbnailFit = 'crop' | 'clip' | 'scale' | 'fill';

export interface FrameTime {
  /** Seconds from the start. */
  seconds?: number;
  /** Fraction of the duration, 0..1 (Cloudflare's thumbnailTimestampPct); used when seconds is absent. */
  pct?: number;
}

export interface ThumbnailOptions extends FrameTime {
  width?: number;
  height?: number;
  fit?: ThumbnailFit;
  tools?: FfmpegTools;
  probe?: MediaProbe;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export const MAX_THUMBNAIL_DIMENSION = 4096;

export async function extractThumbnail(input: string, options: ThumbnailOptions = {}): Promise<Buffer> {
  checkDimension('width', options.width);
  checkDimension('height', options.height);
  const tools = options.tools ?? (await defaultFfmpegTools());
  const probe = options.probe ?? (await probeMedia(input, { tools, signal: options.signal }));
  if (!probe.hasVideo)
    throw new KilnError('processing_failed', 'The file has no video stream to take a thumbnail from');
  const at = resolveFrameTime(options, probe.durationSeconds);
  const filter = [fitFilter(options.width, options.height, options.fit ?? 'crop'), 'setsar=1']
    .filter(Boolean)
    .join(',');
  const { stdout } = await runTool(
    tools.ffmpeg,
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-ss',
      at.toFixed(3),
      ...inputArgs(input, probe.demuxer),
    ]
      .concat(['-map', `0:${probe.videoStreamIndex}`, '-frames:v', '1', '-vf', filter])
      .concat(['-c:v', 'mjpeg', '-q:v', '3', '-f', 'image2pipe', 'pipe:1']),
    {
      name: 'ffmpeg',
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 60_000,
      access: { read: [input] },
    },
  );
  if (stdout.length === 0) {
    throw new KilnError('processing_failed', `No video frame could be decoded at ${at.toFixed(2)} s`);
  }
  return stdout;
}

/**
 * Seconds into the video for a frame request, clamped so that a time at or past the end still
 * lands on a decodable frame (ffmpeg returns nothing when seeking beyond the last frame).
 */
export function resolveFrameTime(time: FrameTime, durationSeconds: number): number {
  let at = time.seconds ?? (time.pct !== undefined ? time.pct * durationSeconds : 0);
  if (!Number.isFinite(at) || at < 0) throw errors.invalid('The frame time must be a non-negative number');
  if (durationSeconds > 0) at = Math.min(at, Math.max(0, durationSeconds - 0.25));
  return at;
}

export function fitFilter(width: number | undefined, height: number | undefined, fit: ThumbnailFit): string {
  if (width === undefined && height === undefined) return '';
  if (width === undefined) return `scale=-2:${height}`;
  if (height === undefined) return `scale=${width}:-2`;
  switch (fit) {
    case 'crop':
      return `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}`;
    case 'clip':
      return `scale=${width}:${height}:force_original_aspect_ratio=decrease`;
    case 'scale':
      return `scale=${width}:${height}`;
    case 'fill':
      return `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:black`;
  }
}

function checkDimension(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > MAX_THUMBNAIL_DIMENSION) {
    throw errors.invalid(`${name} must be an integer from 1 to ${MAX_THUMBNAIL_DIMENSION}`, { field: name });
  }
}
