/** The one resize: an exact size (geometry decided fit and crop), or a libvips saliency cover. */
import type { Sharp } from 'sharp';
import type { PipelineContext } from './pipeline-context.js';

export function resize(img: Sharp, ctx: PipelineContext): Sharp {
  const { resize: size, smart } = ctx.geometry;
  if (smart) {
    return img.resize({ width: smart.width, height: smart.height, fit: 'cover', position: smart.strategy });
  }
  return size ? img.resize({ width: size.width, height: size.height, fit: 'fill' }) : img;
}
