/**
 * `value` as an absolute URL on `origin`, or null when it names anything else. The check runs on
 * the URL as a browser resolves it (WHATWG: `\` is `/` in http(s) URLs, tabs and newlines are
 * dropped, `https:host` and `//host` switch hosts), so `/\evil/x`, `\\evil`, `/\t/evil` and the like
 * are refused. The absolute href is what goes into the page: a path such as `/.//evil/x` resolves
 * to the pathname `//evil/x`, which would read as another host if handed on as a relative path.
 */
export function sameOriginUrl(value: string | undefined, origin: string): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value, `${origin}/`);
  } catch {
    return null;
  }
  return url.origin === new URL(origin).origin ? url.href : null;
}
