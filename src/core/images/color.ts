/**
 * Colours as the grammars write them: hex (`fff`, `ffffff`, `ffffff80`, with or without `#`),
 * CSS `rgb()`/`rgba()`, and the common CSS names. Returns null for anything else, so each parser
 * can name the option in its error. (Hand-written: sharp parses colours internally but does not
 * export a validator, and a full CSS colour library is more than the grammars need.)
 */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  /** 0..1 */
  alpha: number;
}

const NAMES: Record<string, [number, number, number]> = {
  black: [0, 0, 0],
  white: [255, 255, 255],
  red: [255, 0, 0],
  green: [0, 128, 0],
  lime: [0, 255, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  cyan: [0, 255, 255],
  aqua: [0, 255, 255],
  magenta: [255, 0, 255],
  fuchsia: [255, 0, 255],
  gray: [128, 128, 128],
  grey: [128, 128, 128],
  silver: [192, 192, 192],
  maroon: [128, 0, 0],
  olive: [128, 128, 0],
  navy: [0, 0, 128],
  purple: [128, 0, 128],
  teal: [0, 128, 128],
  orange: [255, 165, 0],
  pink: [255, 192, 203],
};

export function parseColor(text: string): Rgba | null {
  const s = text.trim().toLowerCase();
  if (s === 'transparent') return { r: 0, g: 0, b: 0, alpha: 0 };
  const named = NAMES[s];
  if (named) return { r: named[0], g: named[1], b: named[2], alpha: 1 };
  const hex = /^#?([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (hex) {
    let h = hex[1]!;
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    const n = (i: number) => Number.parseInt(h.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), alpha: h.length === 8 ? round3(n(6) / 255) : 1 };
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(s);
  if (fn) {
    const parts = fn[1]!.split(/[\s,/]+/).filter(Boolean);
    if (parts.length !== 3 && parts.length !== 4) return null;
    const [r, g, b] = parts.slice(0, 3).map(Number);
    const a =
      parts[3] === undefined
        ? 1
        : parts[3].endsWith('%')
          ? Number(parts[3].slice(0, -1)) / 100
          : Number(parts[3]);
    if (![r, g, b].every((v) => Number.isInteger(v) && v! >= 0 && v! <= 255)) return null;
    if (!Number.isFinite(a) || a < 0 || a > 1) return null;
    return { r: r!, g: g!, b: b!, alpha: round3(a) };
  }
  return null;
}

export function colorToHex(c: Rgba): string {
  const h = (v: number) => v.toString(16).padStart(2, '0');
  return h(c.r) + h(c.g) + h(c.b) + (c.alpha === 1 ? '' : h(Math.round(c.alpha * 255)));
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export const WHITE: Rgba = { r: 255, g: 255, b: 255, alpha: 1 };
