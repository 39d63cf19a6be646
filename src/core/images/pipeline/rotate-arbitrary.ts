/** Rotation by any angle after geometry; the exposed corners take the background colour. */
import type { Sharp } from 'sharp';
import { type PipelineContext, sharpColor } from './pipeline-context.js';

export function rotateArbitrary(img: Sharp, ctx: PipelineContext): Sharp {
  const angle = ctx.plan.rotate;
  return angle ? img.rotate(angle, { background: sharpColor(ctx.background) }) : img;
}
