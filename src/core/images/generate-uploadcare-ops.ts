/**
 * The inverse of parseUploadcareOps for plans within the Uploadcare grammar (round-trip tests, and
 * building CDN URLs). parse(generate(p)) has the same canonicalKey as p.
 */
import { KilnError } from '../errors/kiln-error.js';
import { colorToHex } from './color.js';
import { UPLOADCARE_QUALITY } from './parse-uploadcare-ops.js';
import { type Gravity, type Length, normalizePlan, type TransformPlan } from './transform-plan.js';

const len = (l: Length | undefined) =>
  l === undefined ? '' : typeof l === 'number' ? String(l) : `${l.pct}p`;

function align(g: Gravity): string {
  if (g.kind === 'smart') return 'smart';
  if (g.kind === 'focus')
    throw new KilnError('invalid_input', 'Focal points cannot be expressed as Uploadcare operations');
  return `${g.x * 100}p,${g.y * 100}p`;
}

export function generateUploadcareOps(input: TransformPlan): string {
  const plan = normalizePlan(input);
  const ops: string[] = [];
  const unsupported = (what: string) =>
    new KilnError('invalid_input', `${what} cannot be expressed as Uploadcare operations`);
  if (!plan.autoOrient) ops.push('autorotate/no');
  if (plan.autoTrim) ops.push(`trim/${plan.autoTrim.threshold}`);
  for (const s of plan.geometry) {
    if (s.op === 'rotate') ops.push(`rotate/${(360 - s.angle) % 360}`);
    else if (s.op === 'flip') ops.push(s.axis === 'h' ? 'mirror' : 'flip');
    else if (s.op === 'trim') throw unsupported('Edge trims');
    else if (s.op === 'pad' || s.op === 'zoom' || s.op === 'min-size' || s.op === 'extend-ratio')
      throw unsupported(`The ${s.op} step`);
    else if (s.op === 'crop') {
      const size = s.aspect ? `${s.aspect[0]}:${s.aspect[1]}` : `${len(s.width)}x${len(s.height)}`;
      const where = s.offset ? `${len(s.offset.x)},${len(s.offset.y)}` : align(s.gravity);
      ops.push(`crop/${size}/${where}`);
    } else {
      const dim = `${s.width ?? ''}x${s.height ?? ''}`;
      const both = s.width !== undefined && s.height !== undefined;
      if (s.fit === 'contain' && s.withoutEnlargement && both) ops.push(`preview/${dim}`);
      else if (s.fit === 'contain' && !both)
        ops.push(...(s.withoutEnlargement ? ['stretch/off'] : []), `resize/${dim}`);
      else if (s.fit === 'fill' && both)
        ops.push(...(s.withoutEnlargement ? ['stretch/off'] : []), `resize/${dim}`);
      else if (s.fit === 'pad' && s.withoutEnlargement) ops.push('stretch/fill', `resize/${dim}`);
      else if (s.fit === 'cover' && both) {
        const smart = s.gravity.kind === 'smart';
        ops.push(...(s.withoutEnlargement ? ['stretch/off'] : []), `scale_crop/${dim}/${align(s.gravity)}`);
        if (smart && s.withoutEnlargement) throw unsupported('Smart crops without enlargement');
      } else throw unsupported(`A ${s.fit} resize`);
    }
  }
  if (plan.background) {
    if (
      plan.background.alpha !== 1 &&
      plan.background.alpha * 255 !== Math.round(plan.background.alpha * 255)
    ) {
      throw unsupported('This background');
    }
    ops.push(`setfill/${colorToHex(plan.background)}`);
  }
  const { adjust, effects, output } = plan;
  if (adjust.brightness !== undefined) ops.push(`brightness/${Math.round((adjust.brightness - 1) * 100)}`);
  if (adjust.contrast !== undefined) ops.push(`contrast/${Math.round((adjust.contrast - 1) * 100)}`);
  if (adjust.saturation !== undefined) ops.push(`saturation/${Math.round((adjust.saturation - 1) * 100)}`);
  if (adjust.gamma !== undefined) ops.push(`gamma/${Math.round(adjust.gamma * 100)}`);
  if (adjust.enhance !== undefined) ops.push(`enhance/${adjust.enhance}`);
  if (adjust.grayscale) ops.push('grayscale');
  if (adjust.invert) ops.push('invert');
  if (effects.blur !== undefined) ops.push(`blur/${effects.blur * 4}`);
  if (effects.sharpen !== undefined) ops.push(`sharp/${effects.sharpen * 10}`);
  if (effects.borderRadius) ops.push(`border_radius/${effects.borderRadius.map(len).join(',')}`);
  if (plan.rotate !== undefined) throw unsupported('Arbitrary rotation');
  if (plan.metadata !== 'none') ops.push(`strip_meta/${plan.metadata === 'keep' ? 'none' : 'sensitive'}`);
  if (output.quality !== undefined) {
    const tier = Object.entries(UPLOADCARE_QUALITY).find(([, q]) => q === output.quality);
    if (!tier) throw unsupported(`Quality ${output.quality}`);
    ops.push(`quality/${tier[0]}`);
  }
  if (output.progressive) ops.push('progressive/yes');
  const f = output.format;
  if (f === 'json') ops.push('json');
  else if (f === 'main_colors') ops.push(`main_colors/${output.colorCount ?? 4}`);
  else if (f === 'original') ops.push('format/preserve');
  else if (f === 'jpeg' || f === 'png' || f === 'webp') ops.push(`format/${f}`);
  else if (f !== 'auto') throw unsupported(`Format ${f}`);
  return ops.map((o) => `-/${o}/`).join('');
}
