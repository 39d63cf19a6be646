import { lookup as dnsLookup } from 'node:dns/promises';
import { isPublicAddress, literalAddress } from './address-policy.js';
import { fetchError } from './fetch-error.js';

export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((r) => r.address);

export interface UrlPolicy {
  /** KILN_ALLOW_PRIVATE_FETCH: private and loopback addresses allowed too. */
  allowPrivate: boolean;
  resolver?: Resolver;
}

/** Parses a user-supplied URL and checks its scheme and host, without resolving. */
export function parseFetchUrl(raw: string): URL {
  const text = raw.trim();
  if (!text) throw fetchError('url_invalid');
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) throw fetchError('scheme_required');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // `http://` with nothing after it parses as no host; anything else unparseable is malformed.
    if (/^https?:\/\/\/?$/i.test(text)) throw fetchError('host_required');
    throw fetchError(/^https?:\/\//i.test(text) ? 'host_malformed' : 'url_invalid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fetchError('scheme_invalid');
  if (!url.hostname) throw fetchError('host_required');
  if (url.username || url.password)
    throw fetchError('host_malformed', 'Credentials in URLs are not allowed.');
  return url;
}

/**
 * Resolves the URL's host and refuses it unless every address is public (or private fetches are
 * allowed). The WHATWG parser has already turned decimal, hex and short IPv4 forms into dotted form.
 * Returns the addresses so the caller can connect to exactly those (no second, rebindable lookup).
 */
export function checkFetchUrl(url: URL, policy: UrlPolicy): Promise<string[]> {
  return checkHost(url.hostname, policy);
}

/** checkFetchUrl for a bare host name or literal address (normalised already). */
export async function checkHost(hostname: string, policy: UrlPolicy): Promise<string[]> {
  const literal = literalAddress(hostname);
  let addresses: string[];
  if (literal) {
    addresses = [literal];
  } else {
    try {
      addresses = await (policy.resolver ?? systemResolver)(hostname);
    } catch {
      throw fetchError('host_not_found');
    }
    if (addresses.length === 0) throw fetchError('host_not_found');
  }
  if (!policy.allowPrivate && !addresses.every(isPublicAddress)) throw fetchError('private_ip');
  return addresses;
}
