/**
 * Validator comparisons for conditional requests (RFC 9110 §8.8.3, §13.1). Pure string and date
 * logic; the order in which the conditions apply is planDelivery's business.
 */

/** An entity tag in its wire form: `"abc"` or `W/"abc"`; a bare value is quoted. */
export function formatEtag(etag: string): string {
  return /^(W\/)?"[^"]*"$/.test(etag) ? etag : `"${etag.replace(/"/g, '')}"`;
}

interface EntityTag {
  weak: boolean;
  opaque: string;
}

function parseEtag(value: string): EntityTag {
  const m = /^(W\/)?"([^"]*)"$/.exec(value.trim());
  // Some clients send unquoted tags; take the token as the opaque value rather than fail.
  return m ? { weak: Boolean(m[1]), opaque: m[2]! } : { weak: false, opaque: value.trim() };
}

/** The members of an If-None-Match / If-Match list, splitting on commas outside quotes. */
function parseEtagList(header: string): string[] {
  return header.match(/(?:W\/)?"[^"]*"|[^,\s][^,]*/g)?.map((s) => s.trim()) ?? [];
}

/** If-None-Match uses the weak comparison: `W/"a"` matches `"a"`. `*` matches any current representation. */
export function ifNoneMatchMatches(header: string, etag: string): boolean {
  const current = parseEtag(formatEtag(etag));
  return parseEtagList(header).some(
    (member) => member === '*' || parseEtag(member).opaque === current.opaque,
  );
}

/** True when the representation was not modified after the If-Modified-Since date (second precision). */
export function notModifiedSince(header: string, lastModified: Date): boolean {
  const since = parseHttpDate(header);
  return since !== null && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

/**
 * If-Range: the range applies only if the validator still matches. An entity tag uses the strong
 * comparison (a weak tag never matches); a date must equal Last-Modified exactly.
 */
export function ifRangeMatches(header: string, etag: string, lastModified: Date): boolean {
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const wanted = parseEtag(value);
    const current = parseEtag(formatEtag(etag));
    return !wanted.weak && !current.weak && wanted.opaque === current.opaque;
  }
  const date = parseHttpDate(value);
  return date !== null && Math.floor(date / 1000) === Math.floor(lastModified.getTime() / 1000);
}

const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC_850 = /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Milliseconds since the epoch for the three HTTP-date forms (RFC 9110 §5.6.7), else null. Only
 * these: Date.parse alone accepts things like `1` or local-time strings, which would turn garbage
 * into a 304.
 */
function parseHttpDate(value: string): number | null {
  const v = value.trim();
  let ms = Number.NaN;
  if (IMF_FIXDATE.test(v) || RFC_850.test(v)) ms = Date.parse(v);
  else if (ASCTIME.test(v)) ms = Date.parse(`${v} GMT`); // asctime has no zone; it means GMT
  return Number.isNaN(ms) ? null : ms;
}
