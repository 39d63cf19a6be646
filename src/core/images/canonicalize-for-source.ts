/**
 * Plans whose results cannot differ map to one stored variant: after normalizePlan (spelling), the
 * plan is canonicalised against the source and the output format it will be encoded to.
 * - A geometry step that changes nothing for this source is dropped (a scale-down to 4000 px wide
 *   of a 1000 px image, a crop to the full frame, ...): the folded geometry is the test, so chains
 *   are judged as the pipeline will run them.
 * - Encoder options the format ignores, or set to the encoder's default, are dropped.
 * Without this every width above the source would store its own copy of the same bytes.
 */

import { computeGeometry } from './pipeline/compute-geometry.js';
import { ENCODER_DEFAULTS } from './pipeline/encode.js';
import type { SourceMeta } from './source-meta.js';
import { type ConcreteFormat, normalizePlan, stableStringify, type TransformPlan } from './transform-plan.js';

export function canonicalizeForSource(
  plan: TransformPlan,
  source: SourceMeta,
  format: ConcreteFormat,
): TransformPlan {
  const normal = normalizePlan(plan);
  return { ...normal, geometry: essentialGeometry(normal, source), output: essentialOutput(normal, format) };
}

function essentialGeometry(plan: TransformPlan, source: SourceMeta): TransformPlan['geometry'] {
  // Auto-trim changes the size geometry starts from: only the pipeline knows it.
  if (plan.autoTrim) return plan.geometry;
  const size = { width: source.width, height: source.height };
  const fold = (steps: TransformPlan['geometry']) => {
    try {
      return stableStringify(computeGeometry(size, { ...plan, geometry: steps }));
    } catch {
      return null;
    }
  };
  let steps = plan.geometry;
  const target = fold(steps);
  if (target === null) return steps;
  for (let i = steps.length - 1; i >= 0; i--) {
    const without = [...steps.slice(0, i), ...steps.slice(i + 1)];
    if (fold(without) === target) steps = without;
  }
  return steps;
}

const QUALITY_DEFAULTS: Partial<Record<ConcreteFormat, number>> = {
  jpeg: ENCODER_DEFAULTS.jpeg.quality,
  webp: ENCODER_DEFAULTS.webp.quality,
  avif: ENCODER_DEFAULTS.avif.quality,
};

function essentialOutput(plan: TransformPlan, format: ConcreteFormat): TransformPlan['output'] {
  const output = { ...plan.output };
  const defaultQuality = QUALITY_DEFAULTS[format];
  if (defaultQuality === undefined || output.quality === defaultQuality) delete output.quality;
  if (format !== 'jpeg' && format !== 'png') delete output.progressive;
  if (format !== 'webp' && format !== 'avif') delete output.lossless;
  return output;
}
