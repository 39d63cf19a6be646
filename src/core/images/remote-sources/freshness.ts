/**
 * How long a fetched source stays fresh, from the origin's Cache-Control (s-maxage, then max-age;
 * no-cache and no-store: revalidate every time) or Expires, else the operator's default.
 */
export function freshSeconds(
  cacheControl: string | undefined,
  expires: string | undefined,
  defaultSeconds: number,
  now: number,
): number {
  if (cacheControl) {
    const cc = cacheControl.toLowerCase();
    if (/(^|[\s,])(no-store|no-cache)([\s,=]|$)/.test(cc)) return 0;
    const shared = /(?:^|[\s,])s-maxage\s*=\s*"?(\d+)/.exec(cc);
    if (shared) return Number(shared[1]);
    const max = /(?:^|[\s,])max-age\s*=\s*"?(\d+)/.exec(cc);
    if (max) return Number(max[1]);
  }
  if (expires) {
    const at = Date.parse(expires);
    return Number.isFinite(at) ? Math.max(0, Math.floor((at - now) / 1000)) : 0;
  }
  return defaultSeconds;
}
