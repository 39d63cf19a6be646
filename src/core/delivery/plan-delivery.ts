import type { ByteRange } from '../blobs/blob-store.js';
import { parseRangeHeader } from './byte-range.js';
import { formatEtag, ifNoneMatchMatches, ifRangeMatches, notModifiedSince } from './conditional-request.js';
import { type Disposition, formatContentDisposition } from './content-disposition.js';

export interface DeliveryRequestHeaders {
  range?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifRange?: string;
}

export interface DeliveryInput {
  size: number;
  lastModified: Date;
  /** Quoted (`"abc"`, `W/"abc"`) or bare (`abc`, quoted for you). */
  etag: string;
  contentType: string;
  method: 'GET' | 'HEAD';
  headers: DeliveryRequestHeaders;
  cacheControl: string;
  disposition?: Disposition;
}

/** What to stream after the headers: nothing, the whole blob, or one inclusive byte range. */
export type DeliveryBody = { kind: 'none' } | { kind: 'whole' } | { kind: 'range'; range: ByteRange };

export interface DeliveryPlan {
  status: 200 | 206 | 304 | 416;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: DeliveryBody;
}

const NONE: DeliveryBody = { kind: 'none' };

/**
 * Decides the answer to a GET or HEAD of a stored blob, as RFC 9110 orders it (§13.2.2):
 * If-None-Match (else If-Modified-Since) may end in 304; then, for GET only (§14.2: HEAD ignores
 * Range), a Range header - subject to If-Range - may give 206 or 416. Everything else is a 200.
 * Multi-range requests get the whole body with 200 (see parseRangeHeader).
 */
export function planDelivery(input: DeliveryInput): DeliveryPlan {
  const { size, headers: req } = input;
  const validators: Record<string, string> = {
    etag: formatEtag(input.etag),
    'last-modified': input.lastModified.toUTCString(),
  };

  if (isNotModified(input)) {
    // A 304 carries what a cache needs to refresh its stored copy, and no representation metadata.
    return { status: 304, headers: { ...validators, 'cache-control': input.cacheControl }, body: NONE };
  }

  const representation: Record<string, string> = {
    ...validators,
    'cache-control': input.cacheControl,
    'accept-ranges': 'bytes',
    'content-type': input.contentType,
  };
  if (input.disposition) representation['content-disposition'] = formatContentDisposition(input.disposition);

  const useRange =
    input.method === 'GET' &&
    req.range !== undefined &&
    (req.ifRange === undefined || ifRangeMatches(req.ifRange, input.etag, input.lastModified));
  const wanted = useRange ? parseRangeHeader(req.range, size) : ({ kind: 'ignore' } as const);

  if (wanted.kind === 'unsatisfiable') {
    return {
      status: 416,
      headers: {
        ...validators,
        'accept-ranges': 'bytes',
        'content-range': `bytes */${size}`,
        'content-length': '0',
      },
      body: NONE,
    };
  }
  if (wanted.kind === 'range') {
    const { start, end } = wanted.range;
    return {
      status: 206,
      headers: {
        ...representation,
        'content-range': `bytes ${start}-${end}/${size}`,
        'content-length': String(end - start + 1),
      },
      body: { kind: 'range', range: wanted.range },
    };
  }
  return {
    status: 200,
    headers: { ...representation, 'content-length': String(size) },
    body: input.method === 'HEAD' || size === 0 ? NONE : { kind: 'whole' },
  };
}

function isNotModified({ headers, etag, lastModified }: DeliveryInput): boolean {
  // If-Modified-Since counts only without If-None-Match (RFC 9110 §13.1.3).
  if (headers.ifNoneMatch !== undefined) return ifNoneMatchMatches(headers.ifNoneMatch, etag);
  if (headers.ifModifiedSince !== undefined) return notModifiedSince(headers.ifModifiedSince, lastModified);
  return false;
}
