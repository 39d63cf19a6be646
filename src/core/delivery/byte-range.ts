import type { ByteRange } from '../blobs/blob-store.js';

/**
 * What a Range header asks of a representation of `size` bytes (RFC 9110 §14):
 * - `ignore`: no header, another unit, a syntax error, or several ranges: answer with the whole body.
 *   Multi-range requests get the full 200 rather than multipart/byteranges, as many CDNs do: nothing
 *   we serve (video players, download managers, image decoders) needs them, and one 200 is cheaper
 *   than re-reading the blob for each part.
 * - `unsatisfiable`: a valid single range wholly outside the body (416).
 * - `range`: one inclusive byte range, clamped to the body.
 */
export type RangeRequest =
  | { kind: 'ignore' }
  | { kind: 'unsatisfiable' }
  | { kind: 'range'; range: ByteRange };

const IGNORE: RangeRequest = { kind: 'ignore' };
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };

export function parseRangeHeader(header: string | undefined, size: number): RangeRequest {
  if (!header) return IGNORE;
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return IGNORE;
  const specs = match[1]!.split(',').map((s) => s.trim());
  // RFC 9110 allows empty list elements (`bytes=0-1,`); what is left must be exactly one range.
  const nonEmpty = specs.filter((s) => s !== '');
  if (nonEmpty.length !== 1) return IGNORE;
  const spec = /^(\d*)\s*-\s*(\d*)$/.exec(nonEmpty[0]!);
  if (!spec) return IGNORE;
  const [, first, last] = spec;

  if (first === '') {
    // Suffix range: the last N bytes (all of them when N >= size).
    if (last === '') return IGNORE;
    const length = Number(last);
    if (length === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'range', range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return IGNORE; // invalid range-spec: ignored, as RFC 9110 §14.2 permits
  if (start >= size) return UNSATISFIABLE;
  return { kind: 'range', range: { start, end: Math.min(end, size - 1) } };
}
