/**
 * Cloudflare's allowedOrigins (reference §5.7): empty = anywhere; `example.com` only that host;
 * `*.example.com` any subdomain depth but not the apex; a port must match when given (localhost
 * needs it unless 80/443). The embedding page is known from Origin, else Referer; a request with
 * neither (a direct visit, a native player) is let through, as the header cannot be demanded.
 */
export function originAllowed(
  allowed: readonly string[],
  origin: string | undefined,
  referer: string | undefined,
): boolean {
  if (allowed.length === 0 || allowed.includes('*')) return true;
  const source = origin && origin !== 'null' ? origin : referer;
  if (!source) return true;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase();
  const port = url.port;
  return allowed.some((rule) => {
    const [pattern, rulePort] = rule.split(':') as [string, string | undefined];
    if (rulePort !== undefined && rulePort !== port) return false;
    if (rulePort === undefined && port !== '' && host === 'localhost') return false;
    if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host !== pattern.slice(2);
    return host === pattern;
  });
}
