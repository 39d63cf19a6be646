import type { Disposition } from './content-disposition.js';

/**
 * The one table of media types a browser may execute or render as a scripted document when it
 * opens one as a page. Uploaded bytes of these types must never render inline on Kiln's own origin
 * (which serves the dashboard and the API): there they go out as attachments; only on a separate
 * delivery origin (KILN_DELIVERY_URL) may they show inline, still sandboxed.
 *
 * - HTML, XHTML and every XML type (a browser renders XML with XSLT and XHTML namespaces, SVG runs
 *   `<script>` and `onload`): text/html, application/xhtml+xml, image/svg+xml, text/xml,
 *   application/xml, text/xsl, and any `+xml` suffix (RFC 6839: rdf, atom, rss, mathml...).
 * - Script sources: served inline they do not run by themselves, but a page elsewhere on the origin
 *   could load them with `<script src>` (and nosniff allows exactly these types as scripts).
 * - Plugins and viewers with their own scripting: Flash, PDF (Chromium's viewer runs PDF
 *   JavaScript, and a sandboxed page cannot show a PDF anyway, so inline would only break).
 * - text/cache-manifest and multipart/x-mixed-replace: old browser behaviours worth not offering.
 */
const ACTIVE_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'application/xslt+xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'text/ecmascript',
  'text/jscript',
  'application/x-shockwave-flash',
  'application/pdf',
  'text/cache-manifest',
  'multipart/x-mixed-replace',
]);

/**
 * The policy on every user-file response, whatever the type: `sandbox` gives the document an
 * opaque origin with no scripts, forms, popups or plugins; the fetch directives let an image or a
 * video opened on its own still display (the browser's own image/media document) and nothing else
 * load. Embedding the file with `<img>`/`<video>` on another page is unaffected: a subresource's
 * CSP does not apply.
 */
export const USER_CONTENT_CSP =
  "sandbox; default-src 'none'; img-src 'self' data: blob:; media-src 'self' data: blob:; style-src 'unsafe-inline'; font-src data:";

/** The media type without parameters, lower-case: `Image/SVG+XML; charset=x` -> `image/svg+xml`. */
export function essence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

export function isActiveContentType(contentType: string): boolean {
  const type = essence(contentType);
  return ACTIVE_TYPES.has(type) || type.endsWith('+xml') || type === '';
}

/**
 * The disposition a user file is actually served with: whatever the dialect chose, except that an
 * active type is an attachment unless the request came in on the separate delivery origin.
 */
export function userContentDisposition(
  contentType: string,
  requested: Disposition | undefined,
  onDeliveryOrigin: boolean,
): Disposition | undefined {
  if (onDeliveryOrigin || !isActiveContentType(contentType)) return requested;
  return { type: 'attachment', filename: requested?.filename };
}

/** Headers every response carrying uploaded bytes gets. */
export const USER_CONTENT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'content-security-policy': USER_CONTENT_CSP,
});

const MEDIA_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...USER_CONTENT_HEADERS,
  // A video or audio file opened on its own: the browser's media document (Chromium) loads it with
  // crossorigin="anonymous" from the sandbox's opaque origin, so without this it would not play.
  // The link is already the credential; allowing any origin to read it gives away nothing more.
  'access-control-allow-origin': '*',
});

/** The user-content headers for a blob of this type (media also readable cross-origin). */
export function userContentHeaders(contentType: string): Readonly<Record<string, string>> {
  const type = essence(contentType);
  return type.startsWith('video/') || type.startsWith('audio/') ? MEDIA_HEADERS : USER_CONTENT_HEADERS;
}
