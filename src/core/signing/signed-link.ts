import { createHmac, timingSafeEqual } from 'node:crypto';
import { KilnError } from '../errors/kiln-error.js';

/**
 * HMAC-SHA256 signed links with an expiry, parameterised so each dialect can keep its own wire form.
 *
 * - `path-and-expiry` (Kiln's own links): message = `<canonical path>\n<exp>`; the query params are
 *   only carriers, so other query params are neither signed nor disturbed.
 * - `path-and-query` (Cloudflare Images, docs §5.4): message = `<path>?<query without the sig param,
 *   as received>`, where the query includes `exp`; so every query param is covered.
 *
 * The canonical path is the WHATWG URL pathname: non-ASCII is percent-encoded and dot segments are
 * resolved, exactly as a client will send it, so `/a b` signed matches `/a%20b` requested.
 */
export interface SignedLinkScheme {
  expiresParam: string;
  signatureParam: string;
  encoding: 'hex' | 'base64url';
  message: 'path-and-expiry' | 'path-and-query';
}

export const KILN_LINK_SCHEME: SignedLinkScheme = {
  expiresParam: 'exp',
  signatureParam: 'sig',
  encoding: 'base64url',
  message: 'path-and-expiry',
};

export const CLOUDFLARE_IMAGES_LINK_SCHEME: SignedLinkScheme = {
  expiresParam: 'exp',
  signatureParam: 'sig',
  encoding: 'hex',
  message: 'path-and-query',
};

/**
 * Stream (getstream.io) CDN links, shaped like CloudFront canned-policy URLs (`Expires`, `Signature`,
 * `Key-Pair-Id`; reference/getstream-cdn.md §7.2). The whole query is signed, so no parameter
 * (Key-Pair-Id, dl) can be altered either.
 */
export const GETSTREAM_LINK_SCHEME: SignedLinkScheme = {
  expiresParam: 'Expires',
  signatureParam: 'Signature',
  encoding: 'base64url',
  message: 'path-and-query',
};

export type SigningKey = Buffer | string;

/**
 * The query parameters that sign `path` (which may carry a query already) until `expiresAt`
 * (unix seconds), e.g. `exp=1700000000&sig=...`; append with `?` or `&`. See signedPath().
 */
export function signPath(
  path: string,
  expiresAt: number,
  key: SigningKey,
  scheme: SignedLinkScheme = KILN_LINK_SCHEME,
): string {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0)
    throw new TypeError('expiresAt must be unix seconds');
  const expiry = `${encodeURIComponent(scheme.expiresParam)}=${expiresAt}`;
  const [pathname, query] = splitPath(path);
  const signedQuery = query ? `${query}&${expiry}` : expiry;
  const mac = hmac(key, message(scheme, pathname, signedQuery, String(expiresAt)));
  return `${expiry}&${encodeURIComponent(scheme.signatureParam)}=${mac.toString(scheme.encoding)}`;
}

/** `path` with the signing parameters appended. */
export function signedPath(
  path: string,
  expiresAt: number,
  key: SigningKey,
  scheme?: SignedLinkScheme,
): string {
  return `${path}${path.includes('?') ? '&' : '?'}${signPath(path, expiresAt, key, scheme)}`;
}

/**
 * Checks a request path (with its query) signed by signPath. Accepts any of several keys (rotation:
 * a key deleted invalidates its links). Throws KilnError signature_invalid (missing, malformed or
 * wrong signature) or signature_expired (valid signature, `now` past `exp`); returns the expiry.
 */
export function verifySignedPath(
  pathWithQuery: string,
  key: SigningKey | SigningKey[],
  now: number = Math.floor(Date.now() / 1000),
  scheme: SignedLinkScheme = KILN_LINK_SCHEME,
): { expiresAt: number } {
  const [pathname, query] = splitPath(pathWithQuery);
  const params = query ? query.split('&') : [];
  const isSig = (p: string) => paramName(p) === scheme.signatureParam;
  const sigs = params.filter(isSig);
  const exps = params.filter((p) => paramName(p) === scheme.expiresParam);
  if (sigs.length !== 1 || exps.length !== 1) throw invalid('Missing or repeated signature parameters');
  const exp = paramValue(exps[0]!);
  if (!/^\d{1,15}$/.test(exp)) throw invalid('Malformed expiry');
  const given = decodeSignature(paramValue(sigs[0]!), scheme.encoding);
  if (!given) throw invalid('Malformed signature');

  const signed = message(scheme, pathname, params.filter((p) => !isSig(p)).join('&'), exp);
  const keys = Array.isArray(key) ? key : [key];
  // Check every key, so timing does not reveal which one matched.
  const matches = keys.map((k) => {
    const expected = hmac(k, signed);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!matches.includes(true)) throw invalid('Signature does not match');
  const expiresAt = Number(exp);
  if (now > expiresAt) {
    throw new KilnError('signature_expired', 'Signed link has expired', { details: { expiresAt } });
  }
  return { expiresAt };
}

function message(scheme: SignedLinkScheme, pathname: string, query: string, exp: string): string {
  return scheme.message === 'path-and-query' ? `${pathname}?${query}` : `${pathname}\n${exp}`;
}

function hmac(key: SigningKey, msg: string): Buffer {
  return createHmac('sha256', key).update(msg, 'utf8').digest();
}

/** [canonical pathname, query (without `?` and `#...`)]. */
function splitPath(path: string): [string, string] {
  if (!path.startsWith('/')) throw invalid('A signed path must start with /');
  // Concatenated, not resolved against a base: `//host/x` must stay a path, not become a host.
  const url = new URL(`http://kiln.invalid${path}`);
  return [url.pathname, url.search.slice(1)];
}

function paramName(param: string): string {
  const raw = param.split('=', 1)[0]!;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function paramValue(param: string): string {
  const i = param.indexOf('=');
  return i < 0 ? '' : param.slice(i + 1);
}

function decodeSignature(value: string, encoding: SignedLinkScheme['encoding']): Buffer | null {
  if (encoding === 'hex') return /^(?:[0-9a-fA-F]{2})+$/.test(value) ? Buffer.from(value, 'hex') : null;
  return /^[A-Za-z0-9_-]+$/.test(value) ? Buffer.from(value, 'base64url') : null;
}

function invalid(message: string): KilnError {
  return new KilnError('signature_invalid', message);
}
