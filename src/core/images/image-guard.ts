/**
 * Security checks before any decode (imgproxy's security/checker): the header is read with sharp's
 * metadata() (no pixel decode), then pixel, frame and size limits are enforced. SVGs are screened for
 * external references; librsvg already refuses to fetch network resources for buffer input, and with
 * no base URL it cannot resolve relative files either, but we also refuse entities and external hrefs
 * so no SVG ever depends on that.
 */
import sharp, { type Metadata } from 'sharp';
import { KilnError } from '../errors/kiln-error.js';
import type { SourceMeta } from './source-meta.js';

export interface ImageLimits {
  maxInputPixels: number;
  maxOutputDimension: number;
  maxFrames: number;
  timeoutSeconds: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxInputPixels: 100_000_000,
  maxOutputDimension: 8192,
  maxFrames: 1000,
  timeoutSeconds: 30,
};

const SVG_FORBIDDEN: Array<[RegExp, string]> = [
  [/<!ENTITY/i, 'entity declarations'],
  [/<!DOCTYPE[^>]*(SYSTEM|PUBLIC)/i, 'external DTDs'],
  [
    /(?:xlink:)?href\s*=\s*["']\s*(?!data:|#)[^"']*/i,
    'external references (href to anything but data: or #)',
  ],
  [/url\(\s*["']?\s*(?!data:|#)[a-z][a-z0-9+.-]*:/i, 'external url() references'],
  [/@import/i, 'CSS @import'],
  [/<(?:xi:)?include\b/i, 'XInclude'],
];

export function assertSafeSvg(input: Buffer): void {
  const text = input.toString('utf8');
  for (const [pattern, what] of SVG_FORBIDDEN) {
    if (pattern.test(text)) {
      throw new KilnError('unsupported_media_type', `SVG images with ${what} are not accepted`, {
        details: { reason: 'svg_external_reference' },
      });
    }
  }
}

function looksLikeSvg(input: Buffer): boolean {
  const head = input.subarray(0, 4096).toString('utf8').trimStart();
  return head.startsWith('<') && /<svg[\s>]/i.test(input.toString('utf8'));
}

/** Reads the header only and enforces the input limits. */
export async function inspectImage(input: Buffer, limits: ImageLimits): Promise<SourceMeta> {
  // Screen anything XML-shaped before libvips parses it (entities are resolved by the XML parser).
  if (looksLikeSvg(input)) assertSafeSvg(input);
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new KilnError('unsupported_media_type', 'The file is not an image in a supported format', {
      cause: err,
    });
  }
  if (!meta.width || !meta.height) {
    throw new KilnError('unsupported_media_type', 'The image has no dimensions (corrupt header)');
  }
  if (meta.format === 'svg') assertSafeSvg(input);
  const pages = meta.pages && meta.pages > 1 ? meta.pages : 1;
  const frameHeight = pages > 1 && meta.pageHeight ? meta.pageHeight : meta.height;
  const pixels = meta.width * frameHeight * pages;
  if (pixels > limits.maxInputPixels) {
    throw new KilnError(
      'limit_exceeded',
      `The image has ${pixels} pixels (${meta.width}x${frameHeight}${pages > 1 ? ` x ${pages} frames` : ''}), over the limit of ${limits.maxInputPixels}`,
      { details: { limit: limits.maxInputPixels, pixels } },
    );
  }
  if (pages > limits.maxFrames) {
    throw new KilnError(
      'limit_exceeded',
      `The image has ${pages} frames, over the limit of ${limits.maxFrames}`,
      {
        details: { limit: limits.maxFrames, frames: pages },
      },
    );
  }
  const orientation = meta.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  return {
    format: meta.format,
    width: swap ? frameHeight : meta.width,
    height: swap ? meta.width : frameHeight,
    pages,
    hasAlpha: meta.hasAlpha,
    channels: meta.channels,
    depth: meta.depth,
    orientation,
    size: input.length,
    hasProfile: meta.hasProfile,
    space: meta.space,
    isProgressive: meta.isProgressive,
    density: meta.density,
    exif: meta.exif,
  };
}

export function assertOutputSize(width: number, height: number, limits: ImageLimits): void {
  if (width > limits.maxOutputDimension || height > limits.maxOutputDimension) {
    throw new KilnError(
      'limit_exceeded',
      `The output would be ${width}x${height}, over the limit of ${limits.maxOutputDimension} pixels per side`,
      { details: { limit: limits.maxOutputDimension, width, height } },
    );
  }
}

/** Maps libvips failures during decode/encode to clear client errors (never a bare 500). */
export function toImageError(err: unknown): KilnError {
  if (err instanceof KilnError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/timeout/i.test(message)) {
    return new KilnError('timeout', 'Image processing took too long', { cause: err });
  }
  if (/pixel limit|exceeds pixel/i.test(message)) {
    return new KilnError('limit_exceeded', 'The image is too large to process', { cause: err });
  }
  if (
    /premature|truncated|corrupt|unexpected end|not a known|unsupported image format|bad |invalid|read error|VipsJpeg|gifload|pngload|webpload|heifload|out of order|damaged/i.test(
      message,
    )
  ) {
    return new KilnError(
      'invalid_input',
      `The image data is corrupt or truncated (${message.split('\n')[0]})`,
      { cause: err },
    );
  }
  return new KilnError('processing_failed', `The image could not be processed (${message.split('\n')[0]})`, {
    cause: err,
  });
}
