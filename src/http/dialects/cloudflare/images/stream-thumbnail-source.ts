import type { FastifyRequest } from 'fastify';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { streamThumbnail } from '../../../../core/video/video-thumbnails.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { resolvePlayback } from '../stream/playback-access.js';
import { parseThumbnailQuery } from '../stream/thumbnail-query.js';
import { deliveryError } from './resolve-delivery.js';

const THUMBNAIL = /^\/stream\/([^/?]+)\/thumbnails\/thumbnail\.jpg(?:\?(.*))?$/;

/**
 * A Stream thumbnail of this zone (`/stream/<uid or token>/thumbnails/thumbnail.jpg?time=…`) as a
 * `/cdn-cgi/image/` source: the video's own access rules (signed URLs, tokens, ready state) apply,
 * then the thumbnail blob is the source. Null when the path is not a thumbnail.
 */
export async function streamThumbnailSource(
  runtime: KilnRuntime,
  path: string,
  request: FastifyRequest,
): Promise<{ key: string; version: string; lastModified: string } | null> {
  const m = THUMBNAIL.exec(path);
  if (!m) return null;
  let access: Awaited<ReturnType<typeof resolvePlayback>>;
  try {
    access = await resolvePlayback(runtime, decodeURIComponent(m[1]!), request.ip);
  } catch (err) {
    if (err instanceof KilnError && err.status === 404)
      throw deliveryError(404, 9404, 'The video was not found');
    if (err instanceof KilnError && err.status < 500)
      throw deliveryError(403, 9425, `Access denied: ${err.message}`);
    throw err;
  }
  if (access.asset.status !== 'ready') throw deliveryError(404, 9404, 'The video is not ready');
  const query = Object.fromEntries(new URLSearchParams(m[2] ?? ''));
  const info = await streamThumbnail(runtime, access.asset, parseThumbnailQuery('jpg', query));
  const version = info.key.slice(info.key.lastIndexOf('/') + 1);
  return { key: info.key, version, lastModified: info.lastModified.toISOString() };
}
