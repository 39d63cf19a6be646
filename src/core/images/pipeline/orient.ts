/**
 * Orientation: EXIF first (unless disabled), then the plan's mirror and quarter turns. In sharp the
 * order is autoOrient, flop, rotate, then extract (verified by the quadrant tests).
 */
import type { Sharp } from 'sharp';
import type { PipelineContext } from './pipeline-context.js';

export function orient(img: Sharp, ctx: PipelineContext): Sharp {
  if (ctx.plan.autoOrient) img = img.autoOrient();
  const { flop, angle } = ctx.geometry.orient;
  if (flop) img = img.flop();
  if (angle) img = img.rotate(angle);
  return img;
}
