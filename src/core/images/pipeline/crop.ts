/** The one extract of the oriented source that the geometry fold produced. */
import type { Sharp } from 'sharp';
import type { PipelineContext } from './pipeline-context.js';

export function crop(img: Sharp, ctx: PipelineContext): Sharp {
  const r = ctx.geometry.extract;
  return r ? img.extract(r) : img;
}
