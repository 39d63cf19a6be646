import { normalisedHost } from '../fetch/check-destination.js';
import { checkHost, type UrlPolicy } from '../fetch/check-url.js';

/**
 * An output's rtmp(s):// URL with its host replaced by the address that was checked, for ffmpeg:
 * the name is resolved once, here, and ffmpeg dials the literal, so a DNS answer that changes after
 * the check (rebinding) cannot send the restream to a private address. Numeric host spellings
 * (`2130706433`, `0x7f.1`) are normalised first. Null when refused (or the name does not resolve).
 * ffmpeg's tcUrl then carries the address, and rtmps sends no SNI name: servers that route by name
 * on RTMP need a name that resolves to them alone.
 */
export async function pinnedRestreamUrl(raw: string, policy: UrlPolicy): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const addresses = await checkHost(normalisedHost(url), policy).catch(() => null);
  if (!addresses) return null;
  const address = addresses.find((a) => !a.includes(':')) ?? addresses[0]!;
  const host = address.includes(':') ? `[${address}]` : address;
  return `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}${url.pathname}${url.search}`;
}
