/**
 * Encoding: one table of encoder options per format (shared with bench/images.ts so the direct-sharp
 * baseline does the same work), alpha flattened onto the background for formats without alpha, and
 * metadata stripped unless the plan keeps all of it or only the copyright.
 */
import type { Sharp } from 'sharp';
import { readExifCopyright } from '../read-exif-copyright.js';
import { type PipelineContext, sharpColor } from './pipeline-context.js';

export const ENCODER_DEFAULTS = {
  jpeg: { quality: 80, mozjpeg: false },
  png: { compressionLevel: 6 },
  webp: { quality: 80, effort: 4 },
  // libaom effort 4 is several times slower than 2 for a few percent of size; imgproxy favours speed too.
  avif: { quality: 50, effort: 2 },
  gif: { effort: 7 },
} as const;

export function flattenIfOpaqueFormat(img: Sharp, ctx: PipelineContext): Sharp {
  const opaque = ctx.format === 'jpeg';
  const needs =
    ctx.source.hasAlpha || ctx.plan.effects.borderRadius !== undefined || ctx.plan.rotate !== undefined;
  return opaque && needs ? img.flatten({ background: sharpColor({ ...ctx.background, alpha: 1 }) }) : img;
}

export function encode(img: Sharp, ctx: PipelineContext): Sharp {
  const { quality, progressive, lossless } = ctx.plan.output;
  switch (ctx.format) {
    case 'jpeg':
      img = img.jpeg({
        ...ENCODER_DEFAULTS.jpeg,
        quality: quality ?? ENCODER_DEFAULTS.jpeg.quality,
        progressive: !!progressive,
      });
      break;
    case 'png':
      img = img.png({ ...ENCODER_DEFAULTS.png, progressive: !!progressive });
      break;
    case 'webp':
      img = img.webp({
        ...ENCODER_DEFAULTS.webp,
        quality: quality ?? ENCODER_DEFAULTS.webp.quality,
        lossless: !!lossless,
      });
      break;
    case 'avif':
      img = img.avif({
        ...ENCODER_DEFAULTS.avif,
        quality: quality ?? ENCODER_DEFAULTS.avif.quality,
        lossless: !!lossless,
      });
      break;
    case 'gif':
      img = img.gif({ ...ENCODER_DEFAULTS.gif });
      break;
    default:
      throw new Error(`encode() called for ${ctx.format}`);
  }
  return metadata(img, ctx);
}

function metadata(img: Sharp, ctx: PipelineContext): Sharp {
  if (ctx.plan.metadata === 'keep') return img.keepExif().keepXmp().withIccProfile('srgb');
  if (ctx.plan.metadata === 'copyright') {
    const copyright = ctx.source.exif ? readExifCopyright(ctx.source.exif) : undefined;
    if (copyright) return img.withExif({ IFD0: { Copyright: copyright } });
  }
  return img;
}
