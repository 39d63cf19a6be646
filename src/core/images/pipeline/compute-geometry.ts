/**
 * Geometry, computed once and up front, as a pure function (imgproxy's prepare step). The ordered
 * geometry steps of a plan fold into: one orientation (flop, then a clockwise quarter-turn rotation),
 * one extract from the oriented source, one resize, and one extend (padding). This works because a
 * crop after a resize is a crop of the source at scaled coordinates, padding is a rectangle that
 * overflows the source, and a rotation of the result is a rotation of the source and the rectangle.
 */
import { KilnError } from '../../errors/kiln-error.js';
import type { CropStep, Gravity, Length, ResizeStep, TransformPlan } from '../transform-plan.js';

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Geometry {
  /** Applied to the (EXIF-oriented) source first: mirror left-right, then rotate clockwise. */
  orient: { flop: boolean; angle: 0 | 90 | 180 | 270 };
  /** Integer region of the oriented source to keep (absent = all). */
  extract?: Rect;
  /** Exact size the extracted region is scaled to (absent = unchanged). */
  resize?: Size;
  /** Saliency crop: the last step was a cover with smart gravity; sharp picks the window. */
  smart?: { width: number; height: number; strategy: 'attention' | 'entropy' };
  /** Background padding around the resized region. */
  extend?: { top: number; right: number; bottom: number; left: number };
  /** Final output size. */
  width: number;
  height: number;
}

/** The fold state: a float rectangle in oriented-source coordinates shown at size (cw, ch). */
interface State {
  flop: boolean;
  angle: number;
  sw: number;
  sh: number;
  r: { x: number; y: number; w: number; h: number };
  cw: number;
  ch: number;
}

export function computeGeometry(source: Size, plan: TransformPlan): Geometry {
  const s: State = {
    flop: false,
    angle: 0,
    sw: source.width,
    sh: source.height,
    r: { x: 0, y: 0, w: source.width, h: source.height },
    cw: source.width,
    ch: source.height,
  };
  const steps = plan.geometry;
  let smart: Geometry['smart'];
  steps.forEach((step, i) => {
    if (step.op === 'rotate') for (let k = 0; k < step.angle / 90; k++) rotate90(s);
    else if (step.op === 'flip') {
      if (step.axis === 'h') flop(s);
      else {
        flop(s);
        rotate90(s);
        rotate90(s);
      }
    } else if (step.op === 'trim') {
      const w = s.cw - step.left - step.right;
      const h = s.ch - step.top - step.bottom;
      if (w < 1 || h < 1)
        throw new KilnError('invalid_input', `trim removes the whole image (${s.cw}x${s.ch})`);
      cropTo(s, step.left, step.top, w, h);
    } else if (step.op === 'crop') applyCrop(s, step);
    else if (step.op === 'pad') {
      cropTo(s, -step.left, -step.top, s.cw + step.left + step.right, s.ch + step.top + step.bottom);
    } else if (step.op === 'extend-ratio') {
      const r = step.ratio[0] / step.ratio[1];
      const w = Math.max(s.cw, Math.round(s.ch * r));
      const h = Math.max(s.ch, Math.round(s.cw / r));
      const [x, y] = place(step.gravity, w, h, s.cw, s.ch);
      if (w !== s.cw || h !== s.ch) cropTo(s, -Math.round(x), -Math.round(y), w, h);
    } else if (step.op === 'zoom') {
      const [kx, ky] = scaleOf(s);
      s.cw = Math.max(1, Math.round(s.r.w * kx * step.x));
      s.ch = Math.max(1, Math.round(s.r.h * ky * step.y));
    } else if (step.op === 'min-size') {
      const [kx, ky] = scaleOf(s);
      const k = Math.max(1, (step.width ?? 0) / (s.r.w * kx), (step.height ?? 0) / (s.r.h * ky));
      s.cw = Math.max(1, Math.round(s.r.w * kx * k));
      s.ch = Math.max(1, Math.round(s.r.h * ky * k));
    } else {
      const resize = withAutoFit(s, step);
      const last = i === steps.length - 1;
      if (last && resize.fit === 'cover' && resize.gravity.kind === 'smart') smart = smartCover(s, resize);
      else applyResize(s, resize);
    }
  });
  return finish(s, smart);
}

/**
 * The scale from the source region to the current size, per axis. When the ratio was kept (up to
 * the rounding of one side), the longer side's exact scale serves both, so a later zoom or minimum
 * size multiplies the unrounded size (imgproxy scales once from the source).
 */
function scaleOf(s: State): [number, number] {
  const kx = s.cw / s.r.w;
  const ky = s.ch / s.r.h;
  const kept = Math.abs(s.r.h * kx - s.ch) <= 1 && Math.abs(s.r.w * ky - s.cw) <= 1;
  if (!kept) return [kx, ky];
  const k = s.cw >= s.ch ? kx : ky;
  return [k, k];
}

function rotate90(s: State): void {
  const { r } = s;
  s.r = { x: s.sh - (r.y + r.h), y: r.x, w: r.h, h: r.w };
  [s.sw, s.sh] = [s.sh, s.sw];
  [s.cw, s.ch] = [s.ch, s.cw];
  s.angle = (s.angle + 90) % 360;
}

function flop(s: State): void {
  s.r = { ...s.r, x: s.sw - (s.r.x + s.r.w) };
  // F after Rot(a) after F^f equals Rot(-a) after F^(1-f).
  s.angle = (360 - s.angle) % 360;
  s.flop = !s.flop;
}

/** Crop the current image (cw x ch) to a box at (x, y); the box may overflow (padding). */
function cropTo(s: State, x: number, y: number, w: number, h: number): void {
  const sx = s.r.w / s.cw;
  const sy = s.r.h / s.ch;
  s.r = { x: s.r.x + x * sx, y: s.r.y + y * sy, w: w * sx, h: h * sy };
  s.cw = w;
  s.ch = h;
}

function len(l: Length, side: number): number {
  return typeof l === 'number' ? l : (l.pct / 100) * side;
}

/** Top-left of a box of size (w, h) inside (cw, ch) for a gravity. */
function place(g: Gravity, cw: number, ch: number, w: number, h: number): [number, number] {
  if (g.kind === 'focus') {
    const clamp = (v: number, max: number) => Math.min(Math.max(v, Math.min(0, max)), Math.max(0, max));
    return [clamp(g.x * cw - w / 2, cw - w), clamp(g.y * ch - h / 2, ch - h)];
  }
  // Smart gravity that cannot be delegated to libvips falls back to the centre.
  const [gx, gy] = g.kind === 'align' ? [g.x, g.y] : [0.5, 0.5];
  if (g.kind === 'align' && g.offset) {
    // Inward from the anchored edge (imgproxy's calcPosition), then kept inside the image.
    const off = (v: number, side: number) => (Math.abs(v) >= 1 ? v : v * side);
    const dx = off(g.offset.x, cw) * (gx === 1 ? -1 : 1);
    const dy = off(g.offset.y, ch) * (gy === 1 ? -1 : 1);
    const clamp = (v: number, max: number) => Math.min(Math.max(v, Math.min(0, max)), Math.max(0, max));
    return [clamp((cw - w) * gx + dx, cw - w), clamp((ch - h) * gy + dy, ch - h)];
  }
  return [(cw - w) * gx, (ch - h) * gy];
}

function applyCrop(s: State, step: CropStep): void {
  let w: number;
  let h: number;
  if (step.aspect) {
    const [aw, ah] = step.aspect;
    w = Math.min(s.cw, (s.ch * aw) / ah);
    h = (w * ah) / aw;
  } else {
    w = step.width === undefined ? s.cw : len(step.width, s.cw);
    h = step.height === undefined ? s.ch : len(step.height, s.ch);
  }
  w = Math.max(1, Math.round(w));
  h = Math.max(1, Math.round(h));
  const [x, y] = step.offset
    ? [len(step.offset.x, s.cw), len(step.offset.y, s.ch)]
    : place(step.gravity, s.cw, s.ch, w, h);
  cropTo(s, x, y, w, h);
}

/** Target box with a missing side derived from the current aspect ratio. */
function box(s: State, step: ResizeStep): [number, number] {
  const w = step.width ?? Math.max(1, Math.round((step.height! * s.cw) / s.ch));
  const h = step.height ?? Math.max(1, Math.round((step.width! * s.ch) / s.cw));
  return [w, h];
}

/** Resolves imgproxy's `auto` against the current image: cover if the orientations match, else contain. */
function withAutoFit(s: State, step: ResizeStep): ResizeStep {
  if (!step.auto || step.width === undefined || step.height === undefined) return step;
  const same = step.width >= step.height === s.cw >= s.ch;
  return { ...step, auto: undefined, fit: same ? 'cover' : 'contain' };
}

function applyResize(s: State, step: ResizeStep): void {
  const [bw, bh] = box(s, step);
  const cap = (k: number) => (step.withoutEnlargement ? Math.min(k, 1) : k);
  if (step.fit === 'fill') {
    if (step.withoutEnlargement && (bw > s.cw || bh > s.ch)) return;
    s.cw = bw;
    s.ch = bh;
    return;
  }
  if (step.fit === 'cover' && step.width !== undefined && step.height !== undefined) {
    const k = cap(Math.max(bw / s.cw, bh / s.ch));
    const w = Math.min(bw / k, s.cw);
    const h = Math.min(bh / k, s.ch);
    const [x, y] = place(step.gravity, s.cw, s.ch, w, h);
    cropTo(s, x, y, w, h);
    s.cw = Math.max(1, Math.round(w * k));
    s.ch = Math.max(1, Math.round(h * k));
    return;
  }
  // contain / pad (and cover with one side given, which is the same as contain). With one side
  // given, that side alone sets the scale and the box is the output: letting the derived (rounded)
  // side constrain too would turn width=103 on a 1280x800 image into 102x64.
  const oneSide = step.width === undefined || step.height === undefined;
  const scale = oneSide ? (step.width === undefined ? bh / s.ch : bw / s.cw) : Math.min(bw / s.cw, bh / s.ch);
  const k = cap(scale);
  const exact = oneSide && k === scale;
  const iw = exact ? bw : Math.max(1, Math.round(s.cw * k));
  const ih = exact ? bh : Math.max(1, Math.round(s.ch * k));
  if (step.fit !== 'pad' || (iw === bw && ih === bh)) {
    s.cw = iw;
    s.ch = ih;
    return;
  }
  const [ox, oy] = place(
    step.gravity.kind === 'smart' ? { kind: 'align', x: 0.5, y: 0.5 } : step.gravity,
    bw,
    bh,
    iw,
    ih,
  );
  // Padding = a source rectangle larger than the image, in the scaled image's units.
  s.cw = iw;
  s.ch = ih;
  cropTo(s, -Math.round(ox), -Math.round(oy), bw, bh);
}

function smartCover(s: State, step: ResizeStep): Geometry['smart'] {
  const [bw, bh] = box(s, step);
  const k = step.withoutEnlargement ? Math.min(1, Math.max(bw / s.cw, bh / s.ch)) : 1;
  const width = step.withoutEnlargement && k === 1 ? Math.min(bw, s.cw) : bw;
  const height = step.withoutEnlargement && k === 1 ? Math.min(bh, s.ch) : bh;
  return { width, height, strategy: (step.gravity as { strategy: 'attention' | 'entropy' }).strategy };
}

function finish(s: State, smart: Geometry['smart']): Geometry {
  const { r, sw, sh } = s;
  const ix0 = Math.max(0, r.x);
  const iy0 = Math.max(0, r.y);
  const ix1 = Math.min(sw, r.x + r.w);
  const iy1 = Math.min(sh, r.y + r.h);
  if (ix1 - ix0 < 0.5 || iy1 - iy0 < 0.5) {
    throw new KilnError('invalid_input', 'The crop lies entirely outside the image');
  }
  const extract = roundRect(ix0, iy0, ix1, iy1, sw, sh);
  const kx = s.cw / r.w;
  const ky = s.ch / r.h;
  const left = clampInt(Math.round((ix0 - r.x) * kx), 0, s.cw - 1);
  const top = clampInt(Math.round((iy0 - r.y) * ky), 0, s.ch - 1);
  const rw = clampInt(Math.round((ix1 - ix0) * kx), 1, s.cw - left);
  const rh = clampInt(Math.round((iy1 - iy0) * ky), 1, s.ch - top);
  const g: Geometry = {
    orient: { flop: s.flop, angle: s.angle as Geometry['orient']['angle'] },
    width: s.cw,
    height: s.ch,
  };
  if (extract.left !== 0 || extract.top !== 0 || extract.width !== sw || extract.height !== sh)
    g.extract = extract;
  if (rw !== extract.width || rh !== extract.height) g.resize = { width: rw, height: rh };
  const extend = { top, left, right: s.cw - left - rw, bottom: s.ch - top - rh };
  if (extend.top || extend.left || extend.right || extend.bottom) g.extend = extend;
  if (smart) {
    g.smart = smart;
    g.width = smart.width;
    g.height = smart.height;
    // libvips scales and crops the extracted region itself.
    delete g.resize;
    delete g.extend;
  }
  return g;
}

function roundRect(x0: number, y0: number, x1: number, y1: number, sw: number, sh: number): Rect {
  const left = clampInt(Math.round(x0), 0, sw - 1);
  const top = clampInt(Math.round(y0), 0, sh - 1);
  const width = clampInt(Math.round(x1) - left, 1, sw - left);
  const height = clampInt(Math.round(y1) - top, 1, sh - top);
  return { left, top, width, height };
}

function clampInt(v: number, min: number, max: number): number {
  return Math.min(Math.max(v, min), max);
}
