import { KilnError } from '../../../../core/errors/kiln-error.js';
import { MAX_PREVIEW_FPS, MAX_PREVIEW_SECONDS } from '../../../../core/video/animated-preview.js';
import { MAX_THUMBNAIL_DIMENSION, type ThumbnailFit } from '../../../../core/video/thumbnail.js';
import type { ThumbnailRequest } from '../../../../core/video/video-thumbnails.js';

const FITS = new Set<ThumbnailFit>(['crop', 'clip', 'scale', 'fill']);

/** Cloudflare's thumbnail query: time (`8m`, `5m2s`, `1.5s`, `3`), width, height, fit; GIF adds duration, fps. */
export function parseThumbnailQuery(
  format: 'jpg' | 'gif',
  q: Record<string, string | undefined>,
): ThumbnailRequest {
  const req: ThumbnailRequest = { format };
  if (q.time !== undefined) req.seconds = parseDuration(q.time, 'time');
  if (q.width !== undefined) req.width = dimension(q.width, 'width');
  if (q.height !== undefined) req.height = dimension(q.height, 'height');
  if (q.fit !== undefined) {
    if (!FITS.has(q.fit as ThumbnailFit)) throw bad('fit must be one of crop, clip, scale, fill');
    req.fit = q.fit as ThumbnailFit;
  }
  if (format === 'gif') {
    if (q.duration !== undefined) {
      req.duration = parseDuration(q.duration, 'duration');
      if (req.duration <= 0 || req.duration > MAX_PREVIEW_SECONDS)
        throw bad(`duration must be more than 0 and at most ${MAX_PREVIEW_SECONDS}s`);
    }
    if (q.fps !== undefined) {
      req.fps = Number(q.fps);
      if (!Number.isFinite(req.fps) || req.fps < 1 || req.fps > MAX_PREVIEW_FPS)
        throw bad(`fps must be from 1 to ${MAX_PREVIEW_FPS}`);
    }
  }
  return req;
}

export function parseDuration(value: string, field: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(value);
  if (!m || value === '') throw bad(`${field} must be a time like 8m, 5m2s or 1.5s`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function dimension(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THUMBNAIL_DIMENSION)
    throw bad(`${field} must be an integer from 1 to ${MAX_THUMBNAIL_DIMENSION}`);
  return n;
}

function bad(message: string): KilnError {
  return new KilnError('invalid_input', message, { details: { cloudflareCode: 10005 } });
}
