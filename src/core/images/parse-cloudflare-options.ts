/**
 * Cloudflare's `/cdn-cgi/image/<options>/` grammar, also used by Images flexible variants
 * (reference/cloudflare-images.md §6): comma-separated `name=value`, at least one option.
 * Order of effect: trim, flip, rotate, then resize (width and height refer to the rotated axes).
 * Each option is a row in OPTIONS: its aliases and how it writes into the plan.
 */
import { KilnError } from '../errors/kiln-error.js';
import { parseColor } from './color.js';
import {
  emptyPlan,
  type Fit,
  type Gravity,
  type OutputFormatChoice,
  type ResizeStep,
  type TransformPlan,
} from './transform-plan.js';

const FITS: Record<string, { fit: Fit; withoutEnlargement: boolean }> = {
  'scale-down': { fit: 'contain', withoutEnlargement: true },
  contain: { fit: 'contain', withoutEnlargement: false },
  cover: { fit: 'cover', withoutEnlargement: false },
  crop: { fit: 'cover', withoutEnlargement: true },
  pad: { fit: 'pad', withoutEnlargement: false },
  squeeze: { fit: 'fill', withoutEnlargement: false },
  'aspect-crop': { fit: 'cover', withoutEnlargement: true },
};
const QUALITY_WORDS: Record<string, number> = { high: 90, 'medium-high': 75, 'medium-low': 60, low: 45 };
const SIDES: Record<string, Gravity> = {
  left: { kind: 'align', x: 0, y: 0.5 },
  right: { kind: 'align', x: 1, y: 0.5 },
  top: { kind: 'align', x: 0.5, y: 0 },
  bottom: { kind: 'align', x: 0.5, y: 1 },
  center: { kind: 'align', x: 0.5, y: 0.5 },
  auto: { kind: 'smart', strategy: 'attention' },
  // No face detector: saliency is the closest libvips offers.
  face: { kind: 'smart', strategy: 'attention' },
};
export const DEFAULT_CLOUDFLARE_QUALITY = 85;

interface Draft {
  plan: TransformPlan;
  width?: number;
  height?: number;
  fit: string;
  gravity: Gravity;
  trim?: { top: number; right: number; bottom: number; left: number };
  trimBox: { left?: number; top?: number; width?: number; height?: number };
  flip?: string;
  rotate?: number;
  quality?: number;
}

const fail = (name: string, value: string, expected: string) =>
  new KilnError('invalid_input', `Invalid option "${name}=${value}": expected ${expected}`, {
    details: { field: name },
  });

function num(name: string, v: string, min: number, max: number, integer = false): number {
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw fail(name, v, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

function oneOf(name: string, v: string, values: readonly string[]): string {
  if (!values.includes(v)) throw fail(name, v, `one of ${values.join(', ')}`);
  return v;
}

type Setter = (d: Draft, v: string, name: string) => void;

const OPTIONS: Record<string, Setter> = {
  width: (d, v, n) => {
    if (v !== 'auto') d.width = num(n, v, 1, 12_000, true);
  },
  height: (d, v, n) => {
    d.height = num(n, v, 1, 12_000, true);
  },
  fit: (d, v, n) => {
    d.fit = oneOf(n, v, Object.keys(FITS));
  },
  gravity: (d, v, n) => {
    const xy = /^(\d*\.?\d+)x(\d*\.?\d+)$/.exec(v);
    if (xy) d.gravity = { kind: 'focus', x: num(n, xy[1]!, 0, 1), y: num(n, xy[2]!, 0, 1) };
    else d.gravity = SIDES[oneOf(n, v, [...Object.keys(SIDES), '<x>x<y> with 0..1 coordinates'])]!;
  },
  quality: (d, v, n) => {
    d.quality = QUALITY_WORDS[v] ?? num(n, v, 1, 100, true);
  },
  format: (d, v, n) => {
    const f = oneOf(n, v, ['auto', 'avif', 'webp', 'jpeg', 'baseline-jpeg', 'png', 'gif', 'json']);
    d.plan.output.format = f === 'baseline-jpeg' ? 'jpeg' : (f as TransformPlan['output']['format']);
    d.plan.output.progressive = f === 'jpeg' ? true : undefined;
  },
  dpr: (d, v, n) => {
    d.plan.dpr = num(n, v, 0.01, 2);
  },
  blur: (d, v, n) => {
    d.plan.effects.blur = num(n, v, 1, 250) / 2;
  },
  sharpen: (d, v, n) => {
    d.plan.effects.sharpen = num(n, v, 0, 10) / 2 || undefined;
  },
  brightness: (d, v, n) => {
    d.plan.adjust.brightness = num(n, v, 0, 10) || undefined;
  },
  contrast: (d, v, n) => {
    d.plan.adjust.contrast = num(n, v, 0, 10) || undefined;
  },
  saturation: (d, v, n) => {
    const s = num(n, v, 0, 10);
    d.plan.adjust.saturation = s;
  },
  gamma: (d, v, n) => {
    const g = num(n, v, 0, 3);
    if (g !== 0 && g < 1 / 3) throw fail(n, v, 'a number from 0.34 to 3 (0 is ignored)');
    d.plan.adjust.gamma = g || undefined;
  },
  rotate: (d, v, n) => {
    d.rotate = Number(oneOf(n, v, ['0', '90', '180', '270']));
  },
  flip: (d, v, n) => {
    d.flip = oneOf(n, v, ['h', 'v', 'hv']);
  },
  trim: (d, v, n) => {
    const parts = v.split(';');
    if (parts.length !== 4) throw fail(n, v, 'top;right;bottom;left in pixels');
    const [top, right, bottom, left] = parts.map((p) => num(n, p, 0, 12_000, true));
    d.trim = { top: top!, right: right!, bottom: bottom!, left: left! };
  },
  'trim.left': (d, v, n) => {
    d.trimBox.left = num(n, v, 0, 12_000, true);
  },
  'trim.top': (d, v, n) => {
    d.trimBox.top = num(n, v, 0, 12_000, true);
  },
  'trim.width': (d, v, n) => {
    d.trimBox.width = num(n, v, 1, 12_000, true);
  },
  'trim.height': (d, v, n) => {
    d.trimBox.height = num(n, v, 1, 12_000, true);
  },
  background: (d, v, n) => {
    // A malformed escape (a lone `%`) is a bad value like any other, not an internal error.
    let decoded: string;
    try {
      decoded = decodeURIComponent(v);
    } catch {
      throw fail(n, v, 'a CSS colour (#rrggbb, rgb(...), a name); write % as %25');
    }
    const c = parseColor(decoded);
    if (!c) throw fail(n, v, 'a CSS colour (#rrggbb, rgb(...), a name)');
    d.plan.background = c;
  },
  metadata: (d, v, n) => {
    d.plan.metadata = oneOf(n, v, ['keep', 'copyright', 'none']) as TransformPlan['metadata'];
  },
  anim: (d, v, n) => {
    d.plan.animation = oneOf(n, v, ['true', 'false']) === 'true' ? 'keep' : 'first-frame';
  },
  // Delivery concerns the core accepts but does not act on (the HTTP layer may).
  compression: (_d, v, n) => void oneOf(n, v, ['fast']),
  onerror: (_d, v, n) => void oneOf(n, v, ['redirect']),
  zoom: (_d, v, n) => void num(n, v, 0, 1),
  'slow-connection-quality': (_d, v, n) => void (QUALITY_WORDS[v] ?? num(n, v, 1, 100, true)),
};
const ALIASES: Record<string, string> = {
  w: 'width',
  h: 'height',
  g: 'gravity',
  q: 'quality',
  f: 'format',
  'face-zoom': 'zoom',
  scq: 'slow-connection-quality',
};

export interface CloudflareParseOptions {
  /**
   * The format when none is asked: `original` for /cdn-cgi/image/ (keeps the source format), `auto`
   * for hosted Images, a variant's own format when /cdn-cgi/image/ transforms a named variant.
   */
  defaultFormat?: OutputFormatChoice;
}

export function parseCloudflareOptions(text: string, options: CloudflareParseOptions = {}): TransformPlan {
  const plan = emptyPlan();
  plan.output.format = options.defaultFormat ?? 'original';
  const d: Draft = { plan, fit: 'scale-down', gravity: SIDES.center!, trimBox: {} };
  const items = text.split(',').filter((s) => s.length > 0);
  if (items.length === 0) throw new KilnError('invalid_input', 'At least one image option is required');
  for (const item of items) {
    const eq = item.indexOf('=');
    const rawName = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const name = ALIASES[rawName] ?? rawName;
    const setter = OPTIONS[name];
    if (!setter)
      throw new KilnError('invalid_input', `Unknown image option "${rawName}"`, {
        details: { field: rawName },
      });
    if (eq < 0)
      throw new KilnError('invalid_input', `Image option "${rawName}" needs a value`, {
        details: { field: rawName },
      });
    setter(d, item.slice(eq + 1).trim(), rawName);
  }
  return assemble(d);
}

function assemble(d: Draft): TransformPlan {
  const { plan } = d;
  if (d.trim) plan.geometry.push({ op: 'trim', ...d.trim });
  const tb = d.trimBox;
  if (Object.keys(tb).length > 0) {
    const px = (v: number) => Math.round(v * plan.dpr);
    plan.geometry.push({
      op: 'crop',
      offset: { x: px(tb.left ?? 0), y: px(tb.top ?? 0) },
      width: tb.width === undefined ? undefined : px(tb.width),
      height: tb.height === undefined ? undefined : px(tb.height),
      gravity: SIDES.center!,
    });
  }
  if (d.flip === 'h' || d.flip === 'hv') plan.geometry.push({ op: 'flip', axis: 'h' });
  if (d.flip === 'v' || d.flip === 'hv') plan.geometry.push({ op: 'flip', axis: 'v' });
  if (d.rotate) plan.geometry.push({ op: 'rotate', angle: d.rotate as 90 | 180 | 270 });
  if (d.width !== undefined || d.height !== undefined) {
    const fit = FITS[d.fit]!;
    if (d.fit === 'aspect-crop' && d.width !== undefined && d.height !== undefined) {
      plan.geometry.push({ op: 'crop', aspect: [d.width, d.height], gravity: d.gravity });
    }
    const step: ResizeStep = { op: 'resize', width: d.width, height: d.height, gravity: d.gravity, ...fit };
    if (d.fit === 'aspect-crop') Object.assign(step, { fit: 'contain' });
    plan.geometry.push(step);
  }
  plan.output.quality = d.quality ?? DEFAULT_CLOUDFLARE_QUALITY;
  if (plan.output.format === 'webp' && plan.output.quality === 100) plan.output.lossless = true;
  return plan;
}
