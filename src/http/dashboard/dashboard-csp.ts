/**
 * The Content-Security-Policy of the dashboard and the player page: scripts, styles and workers
 * from this origin only (no inline script or style attribute in markup, no eval); media and images
 * also from `blob:` (hls.js feeds the video through Media Source, Uppy previews files) and from the
 * delivery origin when one is configured (links to user files point there). The dashboard cannot
 * be framed; the player page is meant to be embedded, so it can.
 */
export function dashboardCsp(options: { deliveryUrl?: string; framable: boolean }): string {
  const delivery = options.deliveryUrl ? ` ${new URL(options.deliveryUrl).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${delivery}`,
    `media-src 'self' blob:${delivery}`,
    `connect-src 'self'${delivery}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${options.framable ? '*' : "'none'"}`,
  ].join('; ');
}
