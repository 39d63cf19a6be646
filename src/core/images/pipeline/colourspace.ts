/**
 * Output in sRGB: libvips imports the embedded ICC profile (or a default CMYK profile) and converts;
 * 16-bit input becomes 8-bit. Greyscale output uses the b-w space.
 */
import type { Sharp } from 'sharp';
import type { PipelineContext } from './pipeline-context.js';

export function colourspace(img: Sharp, ctx: PipelineContext): Sharp {
  return img.toColourspace(ctx.plan.adjust.grayscale ? 'b-w' : 'srgb');
}
