/**
 * What a transform will cost, from the header alone (imgproxy's security checker, by memory instead
 * of by count): decoded pixels in (after shrink-on-load), pixels out, bands, bytes per sample and
 * frames. The estimate is an upper bound of the pixel buffers libvips may hold at once; work is
 * admitted against a memory budget with it (ImageWorkLimiter) before anything is decoded.
 */
import { computeGeometry, type Geometry } from './pipeline/compute-geometry.js';
import type { SourceMeta } from './source-meta.js';
import type { ConcreteFormat, TransformPlan } from './transform-plan.js';

export interface TransformCost {
  /** Estimated peak memory of the pixel buffers, in bytes. */
  bytes: number;
  /** Decoded input pixels (all frames), after shrink-on-load. */
  pixelsIn: number;
  /** Output pixels (all frames). */
  pixelsOut: number;
}

/** libvips' own overhead per pipeline (tiles, caches, the encoder), counted once per transform. */
const BASE_BYTES = 4 * 1024 * 1024;
const SAMPLE_BYTES: Record<string, number> = { ushort: 2, short: 2, uint: 4, int: 4, float: 4, double: 8 };

export function estimateTransformCost(
  source: SourceMeta,
  plan: TransformPlan,
  format: ConcreteFormat,
): TransformCost {
  // The info outputs read the header only.
  if (format === 'json') return { bytes: 0, pixelsIn: 0, pixelsOut: 0 };
  let geometry: Geometry | null = null;
  try {
    geometry = plan.autoTrim ? null : computeGeometry(source, plan);
  } catch {
    // An impossible plan fails in the pipeline; estimate it as a copy.
  }
  const frames = plan.animation === 'keep' && (format === 'gif' || format === 'webp') ? source.pages : 1;
  const bands = Math.max(source.channels ?? (source.hasAlpha ? 4 : 3), 3) + (plan.background ? 1 : 0);
  const sample = SAMPLE_BYTES[source.depth ?? 'uchar'] ?? 1;
  const outW = geometry?.width ?? source.width;
  const outH = geometry?.height ?? source.height;
  const shrink = shrinkOnLoad(source.format, source, geometry);
  const pixelsIn = Math.ceil((source.width / shrink) * (source.height / shrink)) * frames;
  const pixelsOut = outW * outH * frames;
  // Stages that materialise raw pixels (trim, mirror, arbitrary rotation, rounded JPEG corners) keep
  // a second full copy alive.
  const staged =
    plan.autoTrim !== undefined || plan.rotate !== undefined || plan.effects.borderRadius !== undefined;
  const perPixel = bands * sample;
  const bytes = BASE_BYTES + (pixelsIn * (staged ? 2 : 1) + pixelsOut) * perPixel;
  return { bytes, pixelsIn, pixelsOut };
}

/**
 * JPEG decodes at 1/2, 1/4 or 1/8 when the output is that much smaller; WebP and vector formats
 * decode at (about) the target size. Everything else decodes whole.
 */
function shrinkOnLoad(format: string, source: SourceMeta, geometry: Geometry | null): number {
  if (!geometry?.resize) return 1;
  const region = geometry.extract ?? { width: source.width, height: source.height };
  const factor = Math.min(region.width / geometry.resize.width, region.height / geometry.resize.height);
  if (factor < 2) return 1;
  if (format === 'jpeg') return Math.min(8, 2 ** Math.floor(Math.log2(factor)));
  if (format === 'webp' || format === 'svg' || format === 'pdf') return factor;
  return 1;
}
