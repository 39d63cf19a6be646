/**
 * The one image transform model. Every URL grammar (Stream, Cloudflare, Uploadcare) parses into a
 * TransformPlan; one pipeline executes it. A plan is plain JSON (serialisable, comparable).
 *
 * Geometry is an ordered list of steps because Uploadcare chains run left to right (a crop after a
 * resize uses resized coordinates); compute-geometry folds the list into one extract/resize/extend,
 * so order is honoured without decoding more than once. Tone and effects apply after geometry.
 */
import { createHash } from 'node:crypto';
import type { Rgba } from './color.js';

/** A length in pixels, or a percentage of the current image side. */
export type Length = number | { pct: number };

/**
 * Where a crop sits. `align`: x,y in 0..1 place the crop box (0 = left/top edge, 1 = right/bottom edge);
 * sides and corners are align points. `focus`: the point (fractions of the image) to keep at the centre
 * of the crop, clamped to the image. `smart`: libvips attention/entropy saliency.
 */
export type Gravity =
  | {
      kind: 'align';
      x: number;
      y: number;
      /**
       * imgproxy's gravity offsets: moves the box inward from its anchored edge (from the centre: right
       * and down), in pixels when >= 1, else as a fraction of the current image side; kept inside the image.
       */
      offset?: { x: number; y: number };
    }
  | { kind: 'focus'; x: number; y: number }
  | { kind: 'smart'; strategy: 'attention' | 'entropy' };

/**
 * contain: largest size that fits inside the box, ratio kept. cover: fill the box, cut the overflow at
 * gravity. fill: stretch to the box. pad: contain, then pad to exactly the box with the background.
 * withoutEnlargement never scales up (contain -> scale-down; cover -> Cloudflare's `crop`).
 */
export type Fit = 'contain' | 'cover' | 'fill' | 'pad';

export interface ResizeStep {
  op: 'resize';
  width?: number;
  height?: number;
  fit: Fit;
  gravity: Gravity;
  withoutEnlargement: boolean;
  /**
   * imgproxy's `auto` resizing type, on a cover step: cover when the box and the current image have
   * the same orientation (both portrait or both landscape), else contain.
   */
  auto?: boolean;
}

/** Crop of the current image: a box by size (or aspect ratio) placed by offset or gravity. */
export interface CropStep {
  op: 'crop';
  width?: Length;
  height?: Length;
  /** Largest box of this ratio (width:height); excludes width/height. */
  aspect?: [number, number];
  /** Explicit top-left offset; when absent, `gravity` places the box. */
  offset?: { x: Length; y: Length };
  gravity: Gravity;
}

/** Cut fixed edges (Cloudflare `trim=top;right;bottom;left`). */
export interface TrimEdgesStep {
  op: 'trim';
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface RotateStep {
  op: 'rotate';
  /** Clockwise quarter turns. */
  angle: 90 | 180 | 270;
}

export interface FlipStep {
  op: 'flip';
  /** h: mirror left-right; v: upside down. */
  axis: 'h' | 'v';
}

/** Background added around the current image (imgproxy `padding`); scaled by dpr. */
export interface PadEdgesStep {
  op: 'pad';
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** Background added (placed by gravity) until the image has this aspect ratio (imgproxy `extend_aspect_ratio`). */
export interface ExtendRatioStep {
  op: 'extend-ratio';
  /** The ratio width:height. */
  ratio: [number, number];
  gravity: Gravity;
}

/** Multiplies the current size (imgproxy `zoom`, which unlike dpr leaves offsets and padding alone). */
export interface ZoomStep {
  op: 'zoom';
  x: number;
  y: number;
}

/** Scales up, ratio kept, until the current image is at least this large (imgproxy `min-width/height`). */
export interface MinSizeStep {
  op: 'min-size';
  width?: number;
  height?: number;
}

export type GeometryStep =
  | ResizeStep
  | CropStep
  | TrimEdgesStep
  | RotateStep
  | FlipStep
  | PadEdgesStep
  | ExtendRatioStep
  | ZoomStep
  | MinSizeStep;

export const OUTPUT_FORMATS = [
  'auto',
  'original',
  'jpeg',
  'png',
  'webp',
  'avif',
  'gif',
  'json',
  'main_colors',
] as const;
export type OutputFormatChoice = (typeof OUTPUT_FORMATS)[number];
/** Formats the encoder writes (after negotiation and `original` resolution). */
export type ConcreteFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'json' | 'main_colors';

export interface TransformPlan {
  /** Apply the EXIF orientation first (default true; Uploadcare `autorotate/no` turns it off). */
  autoOrient: boolean;
  /** Remove a solid border before geometry (Uploadcare `trim/`); threshold is libvips' colour distance. */
  autoTrim?: { threshold: number };
  geometry: GeometryStep[];
  /** Device pixel ratio: multiplies resize sizes and trim edges (folded in by normalizePlan). */
  dpr: number;
  /** Arbitrary rotation in degrees, clockwise, after geometry (corners filled with background). */
  rotate?: number;
  /** Background for pad, overflowing crops, arbitrary rotation and alpha flattened into JPEG. */
  background?: Rgba;
  adjust: {
    /** Factors, 1 = unchanged. */
    brightness?: number;
    contrast?: number;
    saturation?: number;
    /** Gamma exponent, 1 = unchanged, 1..3 in libvips. */
    gamma?: number;
    grayscale?: boolean;
    invert?: boolean;
    /** Stretch luminance to the full range (Uploadcare `enhance`), strength 0..100. */
    enhance?: number;
  };
  effects: {
    /** Gaussian sigma (0.3..1000). */
    blur?: number;
    /** Sharpen sigma. */
    sharpen?: number;
    /** Size in pixels of the blocks of imgproxy's `pixelate`. */
    pixelate?: number;
    /** Corner radii: tl, tr, br, bl. */
    borderRadius?: [Length, Length, Length, Length];
  };
  output: {
    format: OutputFormatChoice;
    quality?: number;
    progressive?: boolean;
    lossless?: boolean;
    /** For `main_colors`. */
    colorCount?: number;
    /** Lower the quality (lossy formats) until the result fits (imgproxy `max_bytes`). */
    maxBytes?: number;
  };
  metadata: 'none' | 'copyright' | 'keep';
  animation: 'keep' | 'first-frame';
}

export const CENTER: Gravity = { kind: 'align', x: 0.5, y: 0.5 };

export function emptyPlan(): TransformPlan {
  return {
    autoOrient: true,
    geometry: [],
    dpr: 1,
    adjust: {},
    effects: {},
    output: { format: 'original' },
    metadata: 'none',
    animation: 'keep',
  };
}

/**
 * The canonical form: dpr folded into sizes, neutral values and no-op steps dropped, undefined fields
 * removed. Two spellings of the same operations normalise to the same plan.
 */
export function normalizePlan(plan: TransformPlan): TransformPlan {
  const dpr = plan.dpr || 1;
  const geometry: GeometryStep[] = [];
  for (const step of plan.geometry) {
    if (step.op === 'resize') {
      if (step.width === undefined && step.height === undefined) continue;
      geometry.push({
        ...step,
        width: step.width === undefined ? undefined : Math.max(1, Math.round(step.width * dpr)),
        height: step.height === undefined ? undefined : Math.max(1, Math.round(step.height * dpr)),
        // Gravity only matters where something is cut or padded.
        gravity: gravityMatters(step) ? normalGravity(step.gravity) : CENTER,
      });
    } else if (step.op === 'trim') {
      if (step.top + step.right + step.bottom + step.left === 0) continue;
      const s = (v: number) => Math.round(v * dpr);
      geometry.push({
        op: 'trim',
        top: s(step.top),
        right: s(step.right),
        bottom: s(step.bottom),
        left: s(step.left),
      });
    } else if (step.op === 'pad') {
      const s = (v: number) => Math.round(v * dpr);
      if (step.top + step.right + step.bottom + step.left === 0) continue;
      geometry.push({
        op: 'pad',
        top: s(step.top),
        right: s(step.right),
        bottom: s(step.bottom),
        left: s(step.left),
      });
    } else if (step.op === 'min-size') {
      const s = (v: number | undefined) => (v ? Math.round(v * dpr) : undefined);
      if (!step.width && !step.height) continue;
      geometry.push({ op: 'min-size', width: s(step.width), height: s(step.height) });
    } else if (step.op === 'zoom') {
      if (step.x === 1 && step.y === 1) continue;
      geometry.push(step);
    } else if (step.op === 'crop') {
      geometry.push({ ...step, gravity: normalGravity(step.gravity) });
    } else {
      geometry.push(step);
    }
  }
  const neutral = (v: number | undefined, n: number) => (v === undefined || v === n ? undefined : v);
  const rotate = plan.rotate === undefined ? undefined : ((plan.rotate % 360) + 360) % 360;
  return prune({
    autoOrient: plan.autoOrient,
    autoTrim: plan.autoTrim,
    geometry,
    dpr: 1,
    rotate: rotate === 0 ? undefined : rotate,
    background: plan.background,
    adjust: {
      brightness: neutral(plan.adjust.brightness, 1),
      contrast: neutral(plan.adjust.contrast, 1),
      saturation: neutral(plan.adjust.saturation, 1),
      gamma: neutral(plan.adjust.gamma, 1),
      grayscale: plan.adjust.grayscale || undefined,
      invert: plan.adjust.invert || undefined,
      enhance: neutral(plan.adjust.enhance, 0),
    },
    effects: {
      blur: neutral(plan.effects.blur, 0),
      sharpen: neutral(plan.effects.sharpen, 0),
      pixelate: plan.effects.pixelate && plan.effects.pixelate > 1 ? plan.effects.pixelate : undefined,
      borderRadius: plan.effects.borderRadius,
    },
    output: {
      format: plan.output.format,
      quality: plan.output.quality,
      progressive: plan.output.progressive || undefined,
      lossless: plan.output.lossless || undefined,
      colorCount: plan.output.format === 'main_colors' ? plan.output.colorCount : undefined,
      maxBytes: plan.output.maxBytes || undefined,
    },
    metadata: plan.metadata,
    animation: plan.animation,
  }) as TransformPlan;
}

function gravityMatters(step: ResizeStep): boolean {
  const both = step.width !== undefined && step.height !== undefined;
  return both && (step.fit === 'cover' || step.fit === 'pad');
}

function normalGravity(g: Gravity): Gravity {
  if (g.kind === 'smart') return g;
  const r = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1e4) / 1e4;
  if (g.kind === 'align' && g.offset && (g.offset.x !== 0 || g.offset.y !== 0))
    return { kind: 'align', x: r(g.x), y: r(g.y), offset: g.offset };
  return { kind: g.kind, x: r(g.x), y: r(g.y) };
}

/** Stable cache-key text for a plan: normalised, keys sorted. */
export function canonicalKey(plan: TransformPlan): string {
  return stableStringify(normalizePlan(plan));
}

/** Short hash of the canonical key (for logs and file names). */
export function planDigest(plan: TransformPlan): string {
  return createHash('sha256').update(canonicalKey(plan)).digest('hex').slice(0, 16);
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out as T;
  }
  return value;
}

/** True when the plan asks for no pixel change (only format/metadata may still differ). */
export function hasPixelOperations(plan: TransformPlan): boolean {
  const n = normalizePlan(plan);
  return (
    n.geometry.length > 0 ||
    n.autoTrim !== undefined ||
    n.rotate !== undefined ||
    Object.keys(n.adjust).length > 0 ||
    Object.keys(n.effects).length > 0
  );
}
