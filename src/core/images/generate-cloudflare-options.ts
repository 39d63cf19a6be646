/**
 * The inverse of parseCloudflareOptions (imagor's parse/generate pair): a plan within the Cloudflare
 * grammar back to an options string. parse(generate(p)) has the same canonicalKey as p.
 */
import { KilnError } from '../errors/kiln-error.js';
import { colorToHex } from './color.js';
import { normalizePlan, type TransformPlan } from './transform-plan.js';

export function generateCloudflareOptions(input: TransformPlan): string {
  const plan = normalizePlan(input);
  const out: string[] = [];
  const unsupported = () =>
    new KilnError('invalid_input', 'This plan cannot be expressed as Cloudflare options');
  let flipH = false;
  let flipV = false;
  let rotate = 0;
  for (const step of plan.geometry) {
    if (step.op === 'trim') out.push(`trim=${step.top};${step.right};${step.bottom};${step.left}`);
    else if (step.op === 'flip') {
      if (step.axis === 'h') flipH = true;
      else flipV = true;
    } else if (step.op === 'rotate') rotate = step.angle;
    else if (step.op === 'resize') {
      if (step.width !== undefined) out.push(`width=${step.width}`);
      if (step.height !== undefined) out.push(`height=${step.height}`);
      const fit =
        step.fit === 'contain'
          ? step.withoutEnlargement
            ? 'scale-down'
            : 'contain'
          : step.fit === 'cover'
            ? step.withoutEnlargement
              ? 'crop'
              : 'cover'
            : step.fit === 'fill'
              ? 'squeeze'
              : 'pad';
      out.push(`fit=${fit}`);
      const g = step.gravity;
      if (g.kind === 'smart') out.push('gravity=auto');
      else if (g.kind === 'focus') out.push(`gravity=${g.x}x${g.y}`);
      else {
        const side =
          g.x === 0 && g.y === 0.5
            ? 'left'
            : g.x === 1 && g.y === 0.5
              ? 'right'
              : g.x === 0.5 && g.y === 0
                ? 'top'
                : g.x === 0.5 && g.y === 1
                  ? 'bottom'
                  : g.x === 0.5 && g.y === 0.5
                    ? ''
                    : undefined;
        if (side === undefined) throw unsupported();
        if (side) out.push(`gravity=${side}`);
      }
    } else throw unsupported();
  }
  if (flipH || flipV) out.push(`flip=${flipH ? 'h' : ''}${flipV ? 'v' : ''}`);
  if (rotate) out.push(`rotate=${rotate}`);
  const { adjust, effects, output } = plan;
  if (effects.blur !== undefined) out.push(`blur=${effects.blur * 2}`);
  if (effects.sharpen !== undefined) out.push(`sharpen=${effects.sharpen * 2}`);
  if (adjust.brightness !== undefined) out.push(`brightness=${adjust.brightness}`);
  if (adjust.contrast !== undefined) out.push(`contrast=${adjust.contrast}`);
  if (adjust.saturation !== undefined) out.push(`saturation=${adjust.saturation}`);
  if (adjust.gamma !== undefined) out.push(`gamma=${adjust.gamma}`);
  if (plan.background) out.push(`background=%23${colorToHex(plan.background)}`);
  if (output.format !== 'original') {
    out.push(`format=${output.format === 'jpeg' && !output.progressive ? 'baseline-jpeg' : output.format}`);
  }
  if (output.quality !== undefined) out.push(`quality=${output.quality}`);
  if (plan.metadata !== 'none') out.push(`metadata=${plan.metadata}`);
  if (plan.animation === 'first-frame') out.push('anim=false');
  if (out.length === 0) out.push(`quality=${output.quality ?? 85}`);
  return out.join(',');
}
