/**
 * The table of Uploadcare CDN operations (reference/uploadcare.md §10.3): each row validates its
 * arguments and writes into the plan. parseUploadcareOps walks a chain through this table.
 */
import { parseColor } from './color.js';
import { CENTER, type Gravity, type Length, type ResizeStep, type TransformPlan } from './transform-plan.js';
import { parseDim, parseLength, UC_ALIGN_WORDS, ucFail } from './uploadcare-tokens.js';

export const UPLOADCARE_CORE_OPS = ['preview', 'resize', 'smart_resize', 'scale_crop'] as const;
export const UPLOADCARE_MAX_SIZE = 3000;
export const UPLOADCARE_MAX_SIZE_JPEG = 5000;
export const UPLOADCARE_QUALITY: Record<string, number> = {
  lightest: 50,
  lighter: 65,
  normal: 80,
  better: 88,
  best: 95,
  smart: 80,
  smart_retina: 65,
};
const SMART_TYPES = new Set([
  'smart',
  'smart_faces_objects_points',
  'smart_faces_objects',
  'smart_faces_points',
  'smart_objects_faces_points',
  'smart_objects_faces',
  'smart_objects_points',
  'smart_points',
  'smart_objects',
  'smart_faces',
]);

export interface UploadcareCtx {
  plan: TransformPlan;
  /** `stretch` applies to the next resize or scale_crop only. */
  stretch: 'on' | 'off' | 'fill';
  sizes: Array<{ op: string; width?: number; height?: number }>;
}

type Op = (ctx: UploadcareCtx, args: string[], op: string) => void;

function arity(op: string, args: string[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw ucFail(op, `takes ${want} argument(s), got ${args.length}`);
  }
}

function pxSize(op: string, arg: string, bothRequired: boolean): { width?: number; height?: number } {
  const dim = parseDim(op, arg);
  for (const v of [dim.width, dim.height]) {
    if (v !== undefined && typeof v !== 'number') throw ucFail(op, 'sizes must be in pixels here');
  }
  if (bothRequired && (dim.width === undefined || dim.height === undefined))
    throw ucFail(op, 'needs both sides, WxH');
  return dim as { width?: number; height?: number };
}

function takeStretch(ctx: UploadcareCtx): UploadcareCtx['stretch'] {
  const s = ctx.stretch;
  ctx.stretch = 'on';
  return s;
}

function parseAlign(op: string, arg: string): { gravity?: Gravity; offset?: { x: Length; y: Length } } {
  const word = UC_ALIGN_WORDS[arg];
  if (word) return { gravity: word };
  const m = /^(-?[^,]+),(-?[^,]+)$/.exec(arg);
  if (!m) throw ucFail(op, `alignment "${arg}" must be center, top, right, bottom, left or x,y`);
  const x = parseLength(op, m[1]!, true);
  const y = parseLength(op, m[2]!, true);
  // Percentages place the box within the free space (50p,50p = center); pixels are offsets.
  if (typeof x !== 'number' && typeof y !== 'number')
    return { gravity: { kind: 'align', x: x.pct / 100, y: y.pct / 100 } };
  if (typeof x === 'number' && typeof y === 'number') return { offset: { x, y } };
  throw ucFail(op, 'alignment must use the same unit on both axes');
}

const yesNo = (op: string, args: string[]) => {
  arity(op, args, 1, 1);
  if (args[0] !== 'yes' && args[0] !== 'no') throw ucFail(op, 'expects yes or no');
  return args[0] === 'yes';
};

function intArg(op: string, text: string | undefined, min: number, max: number, dflt: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || n < min || n > max)
    throw ucFail(op, `expects an integer from ${min} to ${max}, got "${text}"`);
  return n;
}

function resizeStep(
  width: number | undefined,
  height: number | undefined,
  rest: Partial<ResizeStep>,
): ResizeStep {
  return { op: 'resize', width, height, fit: 'contain', gravity: CENTER, withoutEnlargement: false, ...rest };
}

export const UPLOADCARE_OPS: Record<string, Op> = {
  preview: (ctx, args, op) => {
    arity(op, args, 0, 1);
    const { width, height } = args[0] ? pxSize(op, args[0], true) : { width: 2048, height: 2048 };
    ctx.sizes.push({ op, width, height });
    ctx.plan.geometry.push(resizeStep(width, height, { withoutEnlargement: true }));
  },
  resize: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const { width, height } = pxSize(op, args[0]!, false);
    if (width === undefined && height === undefined) throw ucFail(op, 'needs at least one side');
    ctx.sizes.push({ op, width, height });
    const stretch = takeStretch(ctx);
    const both = width !== undefined && height !== undefined;
    const fit = stretch === 'fill' ? 'pad' : both ? 'fill' : 'contain';
    ctx.plan.geometry.push(resizeStep(width, height, { fit, withoutEnlargement: stretch !== 'on' }));
  },
  smart_resize: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const { width, height } = pxSize(op, args[0]!, true);
    ctx.sizes.push({ op, width, height });
    ctx.plan.geometry.push(
      resizeStep(width, height, { fit: 'cover', gravity: { kind: 'smart', strategy: 'attention' } }),
    );
  },
  scale_crop: (ctx, args, op) => {
    arity(op, args, 1, 3);
    const { width, height } = pxSize(op, args[0]!, true);
    ctx.sizes.push({ op, width, height });
    let rest = args.slice(1);
    let gravity: Gravity = CENTER;
    if (rest[0] && SMART_TYPES.has(rest[0])) {
      gravity = { kind: 'smart', strategy: 'attention' };
      rest = rest.slice(1);
    }
    if (rest.length > 1) throw ucFail(op, 'has too many arguments');
    if (rest[0]) {
      const a = parseAlign(op, rest[0]);
      if (!a.gravity) throw ucFail(op, 'alignment must be a keyword or percentages');
      if (gravity.kind !== 'smart') gravity = a.gravity;
    }
    const withoutEnlargement = takeStretch(ctx) !== 'on';
    ctx.plan.geometry.push(resizeStep(width, height, { fit: 'cover', gravity, withoutEnlargement }));
  },
  crop: (ctx, args, op) => {
    arity(op, args, 1, 2);
    if (args[0] === 'face' || args[0] === 'image') throw ucFail(op, 'by detected objects is not supported');
    const ratio = /^(\d+):(\d+)$/.exec(args[0]!);
    const align = args[1] ? parseAlign(op, args[1]) : undefined;
    if (ratio) {
      const aspect: [number, number] = [Number(ratio[1]), Number(ratio[2])];
      if (!aspect[0] || !aspect[1]) throw ucFail(op, 'ratio sides must be positive');
      if (align?.offset) throw ucFail(op, 'ratio crops take a keyword or percentage alignment');
      ctx.plan.geometry.push({ op: 'crop', aspect, gravity: align?.gravity ?? CENTER });
      return;
    }
    const { width, height } = parseDim(op, args[0]!);
    // Default placement is the top-left corner.
    const gravity = align?.gravity ?? { kind: 'align', x: 0, y: 0 };
    ctx.plan.geometry.push({ op: 'crop', width, height, gravity, offset: align?.offset });
  },
  stretch: (ctx, args, op) => {
    arity(op, args, 1, 1);
    if (!['on', 'off', 'fill'].includes(args[0]!)) throw ucFail(op, 'expects on, off or fill');
    ctx.stretch = args[0] as UploadcareCtx['stretch'];
  },
  setfill: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const c = /^([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(args[0]!) ? parseColor(args[0]!) : null;
    if (!c) throw ucFail(op, `expects a hex colour (3, 6 or 8 digits), got "${args[0]}"`);
    ctx.plan.background = c;
  },
  format: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const f = args[0]!;
    if (!['jpeg', 'png', 'webp', 'auto', 'preserve'].includes(f))
      throw ucFail(op, 'expects jpeg, png, webp, auto or preserve');
    ctx.plan.output.format = f === 'preserve' ? 'original' : (f as 'jpeg' | 'png' | 'webp' | 'auto');
  },
  quality: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const q = UPLOADCARE_QUALITY[args[0]!];
    if (q === undefined) throw ucFail(op, `expects one of ${Object.keys(UPLOADCARE_QUALITY).join(', ')}`);
    ctx.plan.output.quality = q;
  },
  progressive: (ctx, args, op) => {
    ctx.plan.output.progressive = yesNo(op, args);
  },
  strip_meta: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const m = { all: 'none', none: 'keep', sensitive: 'copyright' }[args[0]!];
    if (!m) throw ucFail(op, 'expects all, none or sensitive');
    ctx.plan.metadata = m as TransformPlan['metadata'];
  },
  blur: (ctx, args, op) => {
    arity(op, args, 0, 2);
    const strength = intArg(op, args[0], 0, 5000, 10);
    const amount = intArg(op, args[1], -200, 100, 100);
    // Two-argument form is an unsharp mask: negative amounts sharpen.
    if (amount < 0) ctx.plan.effects.sharpen = strength / 4 || undefined;
    else ctx.plan.effects.blur = (strength / 4) * (amount / 100) || undefined;
  },
  sharp: (ctx, args, op) => {
    arity(op, args, 0, 1);
    ctx.plan.effects.sharpen = intArg(op, args[0], 0, 20, 5) / 10 || undefined;
  },
  enhance: (ctx, args, op) => {
    arity(op, args, 0, 1);
    ctx.plan.adjust.enhance = intArg(op, args[0], 0, 100, 50);
  },
  grayscale: (ctx, args, op) => {
    arity(op, args, 0, 0);
    ctx.plan.adjust.grayscale = true;
  },
  invert: (ctx, args, op) => {
    arity(op, args, 0, 0);
    ctx.plan.adjust.invert = true;
  },
  brightness: (ctx, args, op) => {
    arity(op, args, 1, 1);
    ctx.plan.adjust.brightness = 1 + intArg(op, args[0], -100, 100, 0) / 100;
  },
  contrast: (ctx, args, op) => {
    arity(op, args, 1, 1);
    ctx.plan.adjust.contrast = 1 + intArg(op, args[0], -100, 500, 0) / 100;
  },
  saturation: (ctx, args, op) => {
    arity(op, args, 1, 1);
    ctx.plan.adjust.saturation = 1 + intArg(op, args[0], -100, 500, 0) / 100;
  },
  gamma: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const g = intArg(op, args[0], 0, 1000, 100) / 100;
    ctx.plan.adjust.gamma = Math.min(3, Math.max(0.34, g));
  },
  rotate: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const a = intArg(op, args[0], -3600, 3600, 0);
    if (a % 90 !== 0) throw ucFail(op, 'angle must be a multiple of 90');
    // Uploadcare rotates counter-clockwise; the plan's quarter turns are clockwise.
    const cw = (((-a % 360) + 360) % 360) as 0 | 90 | 180 | 270;
    if (cw) ctx.plan.geometry.push({ op: 'rotate', angle: cw });
  },
  autorotate: (ctx, args, op) => {
    ctx.plan.autoOrient = yesNo(op, args);
  },
  flip: (ctx, args, op) => {
    arity(op, args, 0, 0);
    ctx.plan.geometry.push({ op: 'flip', axis: 'v' });
  },
  mirror: (ctx, args, op) => {
    arity(op, args, 0, 0);
    ctx.plan.geometry.push({ op: 'flip', axis: 'h' });
  },
  border_radius: (ctx, args, op) => {
    arity(op, args, 1, 1);
    const radii = args[0]!.split(',').map((r) => parseLength(op, r, false));
    if (radii.length < 1 || radii.length > 4) throw ucFail(op, 'takes 1 to 4 radii');
    // CSS shorthand: 1 -> all, 2 -> tl/br + tr/bl, 3 -> tl, tr/bl, br, 4 -> tl, tr, br, bl.
    const [a, b = a, c = a, d = b] = radii as [Length, Length?, Length?, Length?];
    ctx.plan.effects.borderRadius = [a, b!, c!, d!];
  },
  trim: (ctx, args, op) => {
    arity(op, args, 0, 2);
    const threshold = intArg(op, args[0], 0, 255, 10);
    if (intArg(op, args[1], 0, 0, 0) !== 0) throw ucFail(op, 'padding is not supported');
    ctx.plan.autoTrim = { threshold };
  },
  json: (ctx, args, op) => {
    arity(op, args, 0, 0);
    ctx.plan.output.format = 'json';
  },
  main_colors: (ctx, args, op) => {
    arity(op, args, 0, 1);
    ctx.plan.output.format = 'main_colors';
    ctx.plan.output.colorCount = intArg(op, args[0], 1, 256, 4);
  },
  // Delivery-level or no-op for raster input: accepted, not part of the pixels.
  inline: (_ctx, args, op) => void yesNo(op, args),
  rasterize: (_ctx, args, op) => arity(op, args, 0, 0),
  srgb: (_ctx, args, op) => {
    arity(op, args, 1, 1);
    if (!['fast', 'icc', 'keep_profile'].includes(args[0]!))
      throw ucFail(op, 'expects fast, icc or keep_profile');
  },
  max_icc_size: (_ctx, args, op) => {
    arity(op, args, 1, 1);
    intArg(op, args[0], 0, 1_000_000, 10);
  },
};
