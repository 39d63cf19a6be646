/**
 * Grammar tokens shared by Uploadcare operations (reference/uploadcare.md §10.3): DIM (`WxH`, either
 * side omittable, pixels or `NNp` percent), lengths, and the alignment keywords.
 */
import { KilnError } from '../errors/kiln-error.js';
import type { Gravity, Length } from './transform-plan.js';

export const UC_ALIGN_WORDS: Record<string, Gravity> = {
  center: { kind: 'align', x: 0.5, y: 0.5 },
  top: { kind: 'align', x: 0.5, y: 0 },
  bottom: { kind: 'align', x: 0.5, y: 1 },
  left: { kind: 'align', x: 0, y: 0.5 },
  right: { kind: 'align', x: 1, y: 0.5 },
};

export function ucFail(op: string, message: string): KilnError {
  return new KilnError('invalid_input', `Invalid operation "${op}": ${message}`, { details: { field: op } });
}

/** `120`, `50p` or `50%` (`%25` in URLs). Negative only where offsets allow it. */
export function parseLength(op: string, text: string, allowNegative: boolean): Length {
  const m = /^(-?\d+(?:\.\d+)?)(p|%)?$/.exec(text);
  if (!m) throw ucFail(op, `"${text}" is not a length (pixels or NNp)`);
  const v = Number(m[1]);
  if (v < 0 && !allowNegative) throw ucFail(op, `"${text}" must not be negative`);
  if (m[2]) {
    if (v < 0 || v > 100) throw ucFail(op, `percentage "${text}" must be 0..100`);
    return { pct: v };
  }
  if (!Number.isInteger(v)) throw ucFail(op, `"${text}" must be a whole number of pixels`);
  return v;
}

export function parseDim(op: string, text: string): { width?: Length; height?: Length } {
  const m = /^([^x]*)x([^x]*)$/.exec(text);
  if (!m || (m[1] === '' && m[2] === '')) throw ucFail(op, `"${text}" is not a size (WxH, Wx or xH)`);
  const side = (s: string) => {
    if (s === '') return undefined;
    const l = parseLength(op, s, false);
    if (l === 0 || (typeof l !== 'number' && l.pct === 0)) throw ucFail(op, `"${text}" has a zero side`);
    return l;
  };
  return { width: side(m[1]!), height: side(m[2]!) };
}
