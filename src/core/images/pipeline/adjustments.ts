/** Tone: brightness and saturation (modulate), contrast (linear around mid-grey), gamma, invert, enhance. */
import type { Sharp } from 'sharp';
import type { PipelineContext } from './pipeline-context.js';

export function adjustments(img: Sharp, ctx: PipelineContext): Sharp {
  const a = ctx.plan.adjust;
  if (a.brightness !== undefined || a.saturation !== undefined) {
    img = img.modulate({ brightness: a.brightness ?? 1, saturation: a.saturation ?? 1 });
  }
  if (a.contrast !== undefined) img = img.linear(a.contrast, 128 * (1 - a.contrast));
  if (a.gamma !== undefined) {
    // sharp.gamma(in, out) darkens by 1/in before and brightens by out after: net exponent in/out.
    img = a.gamma >= 1 ? img.gamma(1, a.gamma) : img.gamma(1 / a.gamma, 1);
  }
  if (a.enhance) img = img.normalise({ lower: a.enhance / 50, upper: 100 - a.enhance / 50 });
  if (a.grayscale) img = img.grayscale();
  if (a.invert) img = img.negate({ alpha: false });
  return img;
}
