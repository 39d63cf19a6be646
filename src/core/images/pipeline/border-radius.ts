/**
 * Rounded corners: an SVG mask of the output size composited with dest-in, so outside corners become
 * transparent (flattened onto the background later if the format has no alpha).
 */
import type { Sharp } from 'sharp';
import type { Length } from '../transform-plan.js';
import type { PipelineContext } from './pipeline-context.js';

export function roundedMask(width: number, height: number, radii: [Length, Length, Length, Length]): Buffer {
  const side = Math.min(width, height);
  const [tl, tr, br, bl] = radii.map((r) => {
    const v = typeof r === 'number' ? r : (r.pct / 100) * side;
    return Math.min(v, side / 2);
  }) as [number, number, number, number];
  const d = [
    `M${tl},0`,
    `H${width - tr}`,
    `A${tr},${tr} 0 0 1 ${width},${tr}`,
    `V${height - br}`,
    `A${br},${br} 0 0 1 ${width - br},${height}`,
    `H${bl}`,
    `A${bl},${bl} 0 0 1 0,${height - bl}`,
    `V${tl}`,
    `A${tl},${tl} 0 0 1 ${tl},0`,
    'Z',
  ].join(' ');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><path d="${d}" fill="#fff"/></svg>`,
  );
}

export function borderRadius(
  img: Sharp,
  ctx: PipelineContext,
  size: { width: number; height: number },
): Sharp {
  const radii = ctx.plan.effects.borderRadius;
  if (!radii) return img;
  return img
    .ensureAlpha()
    .composite([{ input: roundedMask(size.width, size.height, radii), blend: 'dest-in' }]);
}
