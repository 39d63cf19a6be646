import sharp from 'sharp';
import { KilnError } from '../errors/kiln-error.js';
import { type ImageLimits, inspectImage } from '../images/image-guard.js';
import type { SourceMeta } from '../images/source-meta.js';

/** The default refusal of a body whose first bytes are not an image. */
export function notAnImage(contentType: string): KilnError {
  return new KilnError('unsupported_media_type', `The uploaded file is not an image (${contentType})`, {
    details: { reason: 'not_an_image' },
  });
}

/**
 * The image guard (pixels, frames, SVG rules) on the bytes kept while they streamed to the store:
 * the stored blob is never read back.
 */
export async function checkImage(bytes: Buffer, limits: ImageLimits): Promise<SourceMeta> {
  if (bytes.length === 0) throw new KilnError('invalid_input', 'The uploaded file is empty');
  return inspectImage(bytes, limits);
}

/**
 * Width and height of an image from its first bytes (the header), oriented; null when the header
 * is not within them or not readable. Never fails an upload.
 */
export async function imageDimensions(head: Buffer): Promise<{ width: number; height: number } | null> {
  try {
    const m = await sharp(head, { limitInputPixels: false, pages: 1 }).metadata();
    if (!m.width || !m.height) return null;
    const swap = (m.orientation ?? 1) >= 5;
    return swap ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
  } catch {
    return null;
  }
}
