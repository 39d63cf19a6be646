/** Padding around the resized region (fit pad, Stream `fill`, crops that overflow the image). */
import type { Sharp } from 'sharp';
import { type PipelineContext, sharpColor } from './pipeline-context.js';

export function pad(img: Sharp, ctx: PipelineContext): Sharp {
  const e = ctx.geometry.extend;
  return e ? img.extend({ ...e, background: sharpColor(ctx.background) }) : img;
}
