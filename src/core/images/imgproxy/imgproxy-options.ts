/**
 * imgproxy's processing options (open-source edition) as typed values: parsed from the option
 * segments of a URL and generated back, as inverse functions. One table names each option, its
 * aliases and how its arguments set the values; meta-options (resize, size) set several. Options
 * apply left to right (a later one overrides), presets expand where they stand. An option the table
 * does not hold, Pro options included, is answered with imgproxy's own "Invalid URL" error.
 */
import { colorToHex, parseColor, type Rgba } from '../color.js';
import { invalidArgs, unknownOption } from './imgproxy-error.js';

export const RESIZING_TYPES = ['fit', 'fill', 'fill-down', 'force', 'auto'] as const;
export type ResizingType = (typeof RESIZING_TYPES)[number];
export const GRAVITY_SIDES = ['no', 'so', 'ea', 'we', 'noea', 'nowe', 'soea', 'sowe', 'ce'] as const;
export type GravitySide = (typeof GRAVITY_SIDES)[number];

export type ImgproxyGravity =
  | { type: GravitySide; x: number; y: number }
  | { type: 'sm' }
  | { type: 'fp'; x: number; y: number };

export interface ImgproxyOptions {
  resizingType?: ResizingType;
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  zoom?: [number, number];
  dpr?: number;
  enlarge?: boolean;
  extend?: { extend: boolean; gravity?: ImgproxyGravity };
  extendAspectRatio?: { extend: boolean; gravity?: ImgproxyGravity };
  gravity?: ImgproxyGravity;
  crop?: { width: number; height: number; gravity?: ImgproxyGravity };
  trim?: { threshold: number };
  padding?: [number, number, number, number];
  rotate?: number;
  autoRotate?: boolean;
  /** null: `bg` without arguments (no background manipulation). */
  background?: Rgba | null;
  blur?: number;
  sharpen?: number;
  pixelate?: number;
  stripMetadata?: boolean;
  keepCopyright?: boolean;
  quality?: number;
  formatQuality?: Record<string, number>;
  maxBytes?: number;
  format?: string;
  cachebuster?: string;
  expires?: number;
  filename?: { name: string; encoded: boolean };
  returnAttachment?: boolean;
}

export type Presets = Readonly<Record<string, string[]>>;

type Apply = (o: ImgproxyOptions, args: string[], name: string) => void;

const fail = (name: string, args: string[]) => invalidArgs(name, args);

function bool(v: string | undefined, name: string, args: string[]): boolean {
  if (v === '1' || v === 't' || v === 'true') return true;
  if (v === '0' || v === 'f' || v === 'false') return false;
  throw fail(name, args);
}

function num(
  v: string | undefined,
  name: string,
  args: string[],
  opts: { int?: boolean; min?: number } = {},
) {
  if (v === undefined || v === '' || !/^-?\d+(\.\d+)?$/.test(v)) throw fail(name, args);
  const n = Number(v);
  if ((opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) throw fail(name, args);
  return n;
}

/** `%type:%x:%y`, `sm`, `fp:%x:%y`; offsets >= 1 are pixels, below 1 fractions (imgproxy's rule). */
function gravity(args: string[], name: string, all: string[], allowSmart = true): ImgproxyGravity {
  const [type, x, y] = args;
  if (type === 'sm' && allowSmart && args.length === 1) return { type: 'sm' };
  if (type === 'fp') {
    if (args.length !== 3) throw fail(name, all);
    const fx = num(x, name, all);
    const fy = num(y, name, all);
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) throw fail(name, all);
    return { type: 'fp', x: fx, y: fy };
  }
  if (!(GRAVITY_SIDES as readonly string[]).includes(type ?? '') || args.length > 3) throw fail(name, all);
  return {
    type: type as GravitySide,
    x: x === undefined || x === '' ? 0 : num(x, name, all),
    y: y === undefined || y === '' ? 0 : num(y, name, all),
  };
}

function setSize(o: ImgproxyOptions, args: string[], name: string, from: number): void {
  const [w, h, el, ex, ...g] = args.slice(from);
  if (w !== undefined && w !== '') o.width = num(w, name, args, { int: true, min: 0 });
  if (h !== undefined && h !== '') o.height = num(h, name, args, { int: true, min: 0 });
  if (el !== undefined && el !== '') o.enlarge = bool(el, name, args);
  if (ex !== undefined && ex !== '')
    o.extend = {
      extend: bool(ex, name, args),
      ...(g.length > 0 && { gravity: gravity(g, name, args, false) }),
    };
}

const OPTIONS: Array<{ names: string[]; apply: Apply }> = [
  {
    names: ['resize', 'rs'],
    apply: (o, a, n) => {
      if (a[0]) o.resizingType = resizingType(a[0], n, a);
      setSize(o, a, n, 1);
    },
  },
  { names: ['size', 's'], apply: (o, a, n) => setSize(o, a, n, 0) },
  { names: ['resizing_type', 'rt'], apply: (o, a, n) => (o.resizingType = resizingType(one(a, n), n, a)) },
  { names: ['width', 'w'], apply: (o, a, n) => (o.width = num(one(a, n), n, a, { int: true, min: 0 })) },
  { names: ['height', 'h'], apply: (o, a, n) => (o.height = num(one(a, n), n, a, { int: true, min: 0 })) },
  {
    names: ['min-width', 'min_width', 'mw'],
    apply: (o, a, n) => (o.minWidth = num(one(a, n), n, a, { int: true, min: 0 })),
  },
  {
    names: ['min-height', 'min_height', 'mh'],
    apply: (o, a, n) => (o.minHeight = num(one(a, n), n, a, { int: true, min: 0 })),
  },
  {
    names: ['zoom', 'z'],
    apply: (o, a, n) => {
      if (a.length < 1 || a.length > 2) throw fail(n, a);
      const x = num(a[0], n, a);
      const y = a.length === 2 ? num(a[1], n, a) : x;
      if (x <= 0 || y <= 0) throw fail(n, a);
      o.zoom = [x, y];
    },
  },
  {
    names: ['dpr'],
    apply: (o, a, n) => {
      const v = num(one(a, n), n, a);
      if (v <= 0) throw fail(n, a);
      o.dpr = v;
    },
  },
  { names: ['enlarge', 'el'], apply: (o, a, n) => (o.enlarge = bool(one(a, n), n, a)) },
  {
    names: ['extend', 'ex'],
    apply: (o, a, n) => {
      o.extend = {
        extend: bool(a[0], n, a),
        ...(a.length > 1 && { gravity: gravity(a.slice(1), n, a, false) }),
      };
    },
  },
  {
    names: ['extend_aspect_ratio', 'extend_ar', 'exar'],
    apply: (o, a, n) => {
      o.extendAspectRatio = {
        extend: bool(a[0], n, a),
        ...(a.length > 1 && { gravity: gravity(a.slice(1), n, a, false) }),
      };
    },
  },
  { names: ['gravity', 'g'], apply: (o, a, n) => (o.gravity = gravity(a, n, a)) },
  {
    names: ['crop', 'c'],
    apply: (o, a, n) => {
      if (a.length < 2) throw fail(n, a);
      o.crop = {
        width: num(a[0], n, a, { min: 0 }),
        height: num(a[1], n, a, { min: 0 }),
        ...(a.length > 2 && { gravity: gravity(a.slice(2), n, a) }),
      };
    },
  },
  {
    names: ['trim', 't'],
    apply: (o, a, n) => {
      // Colour and equal-sides arguments are not in Kiln's trim (libvips finds the background).
      if (a.length !== 1) throw fail(n, a);
      o.trim = { threshold: num(a[0], n, a, { min: 0 }) };
    },
  },
  {
    names: ['padding', 'pd'],
    apply: (o, a, n) => {
      if (a.length < 1 || a.length > 4) throw fail(n, a);
      const v = a.map((x) => (x === '' ? undefined : num(x, n, a, { int: true, min: 0 })));
      const top = v[0] ?? 0;
      const right = v[1] ?? top;
      const bottom = v[2] ?? top;
      const left = v[3] ?? right;
      o.padding = [top, right, bottom, left];
    },
  },
  {
    names: ['rotate', 'rot'],
    apply: (o, a, n) => {
      const v = num(one(a, n), n, a, { int: true });
      if (v % 90 !== 0) throw fail(n, a);
      o.rotate = ((v % 360) + 360) % 360;
    },
  },
  { names: ['auto_rotate', 'ar'], apply: (o, a, n) => (o.autoRotate = bool(one(a, n), n, a)) },
  {
    names: ['background', 'bg'],
    apply: (o, a, n) => {
      if (a.length === 0 || (a.length === 1 && a[0] === '')) o.background = null;
      else if (a.length === 3) {
        const [r, g, b] = a.map((x) => num(x, n, a, { int: true, min: 0 }));
        if (r! > 255 || g! > 255 || b! > 255) throw fail(n, a);
        o.background = { r: r!, g: g!, b: b!, alpha: 1 };
      } else if (a.length === 1 && /^[0-9a-fA-F]{6}$/.test(a[0]!)) o.background = parseColor(a[0]!)!;
      else throw fail(n, a);
    },
  },
  { names: ['blur', 'bl'], apply: (o, a, n) => (o.blur = num(one(a, n), n, a, { min: 0 })) },
  { names: ['sharpen', 'sh'], apply: (o, a, n) => (o.sharpen = num(one(a, n), n, a, { min: 0 })) },
  {
    names: ['pixelate', 'pix'],
    apply: (o, a, n) => (o.pixelate = num(one(a, n), n, a, { int: true, min: 0 })),
  },
  { names: ['strip_metadata', 'sm'], apply: (o, a, n) => (o.stripMetadata = bool(one(a, n), n, a)) },
  { names: ['keep_copyright', 'kcr'], apply: (o, a, n) => (o.keepCopyright = bool(one(a, n), n, a)) },
  {
    names: ['quality', 'q'],
    apply: (o, a, n) => {
      const v = num(one(a, n), n, a, { int: true, min: 0 });
      if (v > 100) throw fail(n, a);
      o.quality = v;
    },
  },
  {
    names: ['format_quality', 'fq'],
    apply: (o, a, n) => {
      if (a.length === 0 || a.length % 2 !== 0) throw fail(n, a);
      const fq: Record<string, number> = { ...o.formatQuality };
      for (let i = 0; i < a.length; i += 2) {
        const q = num(a[i + 1], n, a, { int: true, min: 0 });
        if (q > 100) throw fail(n, a);
        fq[normalFormat(a[i]!)] = q;
      }
      o.formatQuality = fq;
    },
  },
  {
    names: ['max_bytes', 'mb'],
    apply: (o, a, n) => (o.maxBytes = num(one(a, n), n, a, { int: true, min: 0 })),
  },
  { names: ['format', 'f', 'ext'], apply: (o, a, n) => (o.format = normalFormat(one(a, n))) },
  { names: ['cachebuster', 'cb'], apply: (o, a, n) => (o.cachebuster = one(a, n)) },
  { names: ['expires', 'exp'], apply: (o, a, n) => (o.expires = num(one(a, n), n, a, { int: true })) },
  {
    names: ['filename', 'fn'],
    apply: (o, a, n) => {
      if (a.length < 1 || a.length > 2 || !a[0]) throw fail(n, a);
      o.filename = { name: a[0], encoded: a.length === 2 ? bool(a[1], n, a) : false };
    },
  },
  { names: ['return_attachment', 'att'], apply: (o, a, n) => (o.returnAttachment = bool(one(a, n), n, a)) },
];

const BY_NAME = new Map<string, Apply>();
for (const opt of OPTIONS) for (const name of opt.names) BY_NAME.set(name, opt.apply);

function one(args: string[], name: string): string {
  if (args.length !== 1) throw fail(name, args);
  return args[0]!;
}

function resizingType(v: string, name: string, args: string[]): ResizingType {
  if (!(RESIZING_TYPES as readonly string[]).includes(v)) throw fail(name, args);
  return v as ResizingType;
}

/** imgproxy names JPEG `jpg`; Kiln's formats say `jpeg`. */
export function normalFormat(v: string): string {
  const f = v.toLowerCase();
  return f === 'jpg' ? 'jpeg' : f;
}

const MAX_PRESET_DEPTH = 8;

/**
 * Parses option segments. The `default` preset, when the operator defined one, applies first;
 * `preset:a:b` expands presets a and b in place (an unknown preset is imgproxy's "Invalid URL").
 */
export function parseImgproxyOptions(segments: string[], presets: Presets = {}): ImgproxyOptions {
  const o: ImgproxyOptions = {};
  const run = (list: string[], depth: number) => {
    for (const segment of list) {
      const [name = '', ...args] = segment.split(':');
      const decoded = args.map((a) => safeDecode(a, name, args));
      if (name === 'preset' || name === 'pr') {
        if (depth >= MAX_PRESET_DEPTH || decoded.length === 0) throw fail(name, args);
        for (const p of decoded) {
          const body = presets[p];
          if (!body) throw invalidArgs(name, [`Unknown preset: ${p}`]);
          run(body, depth + 1);
        }
        continue;
      }
      const apply = BY_NAME.get(name);
      if (!apply) throw unknownOption(name);
      apply(o, decoded, name);
    }
  };
  if (presets.default) run(presets.default, 1);
  run(segments, 0);
  return o;
}

function safeDecode(v: string, name: string, args: string[]): string {
  try {
    return decodeURIComponent(v);
  } catch {
    throw fail(name, args);
  }
}

function gravityArgs(g: ImgproxyGravity): string {
  if (g.type === 'sm') return 'sm';
  return `${g.type}:${g.x}:${g.y}`;
}

const enc = (s: string) => encodeURIComponent(s);
const b = (v: boolean) => (v ? '1' : '0');

/** Option segments that `parseImgproxyOptions` reads back into the same values (short names). */
export function generateImgproxyOptions(o: ImgproxyOptions): string[] {
  const out: string[] = [];
  if (o.resizingType !== undefined) out.push(`rt:${o.resizingType}`);
  if (o.width !== undefined) out.push(`w:${o.width}`);
  if (o.height !== undefined) out.push(`h:${o.height}`);
  if (o.minWidth !== undefined) out.push(`mw:${o.minWidth}`);
  if (o.minHeight !== undefined) out.push(`mh:${o.minHeight}`);
  if (o.zoom) out.push(`z:${o.zoom[0]}:${o.zoom[1]}`);
  if (o.dpr !== undefined) out.push(`dpr:${o.dpr}`);
  if (o.enlarge !== undefined) out.push(`el:${b(o.enlarge)}`);
  if (o.extend)
    out.push(`ex:${b(o.extend.extend)}${o.extend.gravity ? `:${gravityArgs(o.extend.gravity)}` : ''}`);
  if (o.extendAspectRatio)
    out.push(
      `exar:${b(o.extendAspectRatio.extend)}${o.extendAspectRatio.gravity ? `:${gravityArgs(o.extendAspectRatio.gravity)}` : ''}`,
    );
  if (o.gravity) out.push(`g:${gravityArgs(o.gravity)}`);
  if (o.crop)
    out.push(`c:${o.crop.width}:${o.crop.height}${o.crop.gravity ? `:${gravityArgs(o.crop.gravity)}` : ''}`);
  if (o.trim) out.push(`t:${o.trim.threshold}`);
  if (o.padding) out.push(`pd:${o.padding.join(':')}`);
  if (o.rotate !== undefined) out.push(`rot:${o.rotate}`);
  if (o.autoRotate !== undefined) out.push(`ar:${b(o.autoRotate)}`);
  if (o.background !== undefined)
    out.push(o.background === null ? 'bg:' : `bg:${colorToHex(o.background).replace('#', '')}`);
  if (o.blur !== undefined) out.push(`bl:${o.blur}`);
  if (o.sharpen !== undefined) out.push(`sh:${o.sharpen}`);
  if (o.pixelate !== undefined) out.push(`pix:${o.pixelate}`);
  if (o.stripMetadata !== undefined) out.push(`sm:${b(o.stripMetadata)}`);
  if (o.keepCopyright !== undefined) out.push(`kcr:${b(o.keepCopyright)}`);
  if (o.quality !== undefined) out.push(`q:${o.quality}`);
  if (o.formatQuality)
    out.push(
      `fq:${Object.entries(o.formatQuality)
        .flatMap(([f, q]) => [f, String(q)])
        .join(':')}`,
    );
  if (o.maxBytes !== undefined) out.push(`mb:${o.maxBytes}`);
  if (o.format !== undefined) out.push(`f:${o.format}`);
  if (o.cachebuster !== undefined) out.push(`cb:${enc(o.cachebuster)}`);
  if (o.expires !== undefined) out.push(`exp:${o.expires}`);
  if (o.filename) out.push(`fn:${enc(o.filename.name)}${o.filename.encoded ? ':1' : ''}`);
  if (o.returnAttachment !== undefined) out.push(`att:${b(o.returnAttachment)}`);
  return out;
}
