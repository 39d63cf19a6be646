/** Blur and sharpen (Gaussian sigma; sharpen works on the L channel in LAB). */
import type { Sharp } from 'sharp';
import type { PipelineContext } from './pipeline-context.js';

export function effects(img: Sharp, ctx: PipelineContext): Sharp {
  const { blur, sharpen } = ctx.plan.effects;
  if (blur) img = img.blur(Math.min(1000, Math.max(0.3, blur)));
  if (sharpen) img = img.sharpen({ sigma: Math.max(0.01, sharpen) });
  return img;
}
