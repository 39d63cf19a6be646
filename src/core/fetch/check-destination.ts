import { isPublicAddress, literalAddress } from './address-policy.js';
import { systemResolver, type UrlPolicy } from './check-url.js';

/**
 * The host of a URL as a connection would see it. Special schemes (http, https) already come
 * normalised by the WHATWG parser; other schemes (rtmp, rtmps) keep their host as written, so it
 * goes through the http parser too: `rtmp://2130706433/` and `rtmp://0x7f.1/` name 127.0.0.1.
 */
export function normalisedHost(url: URL): string {
  if (url.protocol === 'http:' || url.protocol === 'https:') return url.hostname;
  try {
    return new URL(`http://${url.host}`).hostname;
  } catch {
    return url.hostname;
  }
}

/**
 * The check of a destination URL when it is saved (webhook, restream output), apart from the
 * check at every delivery: refused when the host is a non-public literal address or a name whose
 * addresses are not all public. A name that does not resolve now is accepted (DNS may be down or
 * the name not live yet; every delivery checks again). KILN_ALLOW_PRIVATE_FETCH skips it, without
 * asking DNS. Returns false when refused.
 */
export async function isAllowedDestination(url: URL, policy: UrlPolicy): Promise<boolean> {
  if (policy.allowPrivate) return true;
  const host = normalisedHost(url);
  const literal = literalAddress(host);
  if (literal) return isPublicAddress(literal);
  const addresses = await (policy.resolver ?? systemResolver)(host).catch(() => [] as string[]);
  return addresses.every(isPublicAddress);
}
