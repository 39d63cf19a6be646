/**
 * imgproxy's `max_bytes`: encode, and while the result is over the limit lower the quality (lossy
 * formats only) in proportion to the overshoot, down to a floor; the last try is the answer.
 */
import type { OutputInfo, Sharp } from 'sharp';
import { ENCODER_DEFAULTS, encode } from './encode.js';
import type { PipelineContext } from './pipeline-context.js';

const MIN_QUALITY = 5;

export async function encodeWithinBytes(
  img: Sharp,
  ctx: PipelineContext,
  maxBytes: number,
): Promise<{ data: Buffer; info: OutputInfo }> {
  const lossy = ctx.format === 'jpeg' || ctx.format === 'webp' || ctx.format === 'avif';
  let quality =
    ctx.plan.output.quality ??
    (lossy ? ENCODER_DEFAULTS[ctx.format as 'jpeg' | 'webp' | 'avif'].quality : 100);
  for (;;) {
    const at = { ...ctx, plan: { ...ctx.plan, output: { ...ctx.plan.output, quality } } };
    const out = await encode(img.clone(), at).toBuffer({ resolveWithObject: true });
    if (!lossy || out.data.length <= maxBytes || quality <= MIN_QUALITY) return out;
    const scaled = Math.floor(quality * Math.sqrt(maxBytes / out.data.length));
    quality = Math.max(MIN_QUALITY, Math.min(quality - 5, scaled));
  }
}
