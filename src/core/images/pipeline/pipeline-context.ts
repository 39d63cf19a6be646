/** What each pipeline step sees: the plan, the precomputed geometry, the source and the output format. */
import type { Rgba } from '../color.js';
import type { SourceMeta } from '../source-meta.js';
import type { ConcreteFormat, TransformPlan } from '../transform-plan.js';
import type { Geometry } from './compute-geometry.js';

export interface PipelineContext {
  plan: TransformPlan;
  geometry: Geometry;
  source: SourceMeta;
  format: ConcreteFormat;
  /** Whether all frames are processed (animated output). */
  animated: boolean;
  background: Rgba;
}

export function sharpColor(c: Rgba): { r: number; g: number; b: number; alpha: number } {
  return { r: c.r, g: c.g, b: c.b, alpha: c.alpha };
}
