import { errors } from '../../../../core/errors/kiln-error.js';

/**
 * The image id (and an optional trailing action) from the raw request path, after `marker`.
 * Routers decode `%2F` before matching, and Cloudflare ids may contain `/`: the SDK sends
 * `folder/cat.png` as `folder%2Fcat.png`, so we split the raw path ourselves and decode each part.
 * A raw `/` (curl users) also separates parts of the id.
 */
export function rawImagePath(
  rawUrl: string,
  marker: string,
  actions: readonly string[] = [],
): { imageId: string; action?: string } {
  const path = rawUrl.split('?', 1)[0]!;
  const at = path.indexOf(marker);
  if (at < 0) throw errors.notFound('Image');
  const parts = path.slice(at + marker.length).split('/');
  let action: string | undefined;
  if (parts.length > 1 && actions.includes(parts[parts.length - 1]!)) action = parts.pop();
  const imageId = parts.map(decodePart).join('/');
  if (!imageId) throw errors.notFound('Image');
  return { imageId, action };
}

export function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw errors.notFound('Image');
  }
}
