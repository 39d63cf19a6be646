import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { embeddedIpv4 } from './embedded-ipv4.js';

/**
 * Which addresses a server-side fetch may reach: only globally routable unicast. IPv4 must lie
 * outside every special-purpose block below (IANA's special-purpose registry, RFC 6890 and later).
 * IPv6 must lie in global unicast 2000::/3, outside the special blocks, and an IPv6 form that
 * carries an IPv4 address (IPv4-mapped, NAT64, ISATAP) is judged by that IPv4 address as well.
 * Everything else (IPv4-compatible ::a.b.c.d, IPv4-translated, ULA, link- and site-local,
 * multicast, 64:ff9b:1::/48, discard-only, ...) lies outside 2000::/3 and is refused.
 */
const IPV4_REFUSED = [
  '0.0.0.0/8', // "this network", incl. 0.0.0.0
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, incl. the 169.254.169.254 metadata service
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation TEST-NET-1
  '192.31.196.0/24', // AS112
  '192.52.193.0/24', // AMT
  '192.88.99.0/24', // 6to4 relay anycast (deprecated)
  '192.168.0.0/16', // private
  '192.175.48.0/24', // AS112 direct delegation
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation TEST-NET-2
  '203.0.113.0/24', // documentation TEST-NET-3
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, incl. 255.255.255.255 broadcast
].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));

const IPV6_GLOBAL = ipaddr.IPv6.parseCIDR('2000::/3');

const IPV6_REFUSED = [
  '2001::/23', // IETF protocol assignments: Teredo 2001::/32 (obfuscated IPv4), benchmarking, ORCHID(v2)
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4 (deprecated, RFC 7526): the IPv4 inside would be reached through any relay
  '2620:4f:8000::/48', // AS112
  '3fff::/20', // documentation
].map((cidr) => ipaddr.IPv6.parseCIDR(cidr));

export function isPublicAddress(address: string): boolean {
  const canonical = literalAddress(address);
  if (!canonical) return false;
  const ip = ipaddr.parse(canonical);
  if (ip.kind() === 'ipv4') return isPublicIpv4(ip as ipaddr.IPv4);
  const v6 = ip as ipaddr.IPv6;
  const inner = embeddedIpv4(v6);
  if (inner?.reachesIpv4Directly) return isPublicIpv4(inner.ipv4);
  if (!v6.match(IPV6_GLOBAL) || IPV6_REFUSED.some((range) => v6.match(range))) return false;
  return inner ? isPublicIpv4(inner.ipv4) : true;
}

function isPublicIpv4(ip: ipaddr.IPv4): boolean {
  return !IPV4_REFUSED.some((range) => ip.match(range));
}

/**
 * The literal IP of a URL host (`[::1]`, `127.0.0.1`) in canonical form, or null for a DNS name
 * (and for a zoned IPv6 address, never a fetch target). Parsed the way URLs and the system parse
 * them, not by ipaddr.js, which reads `::a.b.c.d` as IPv4-mapped where the system dials the
 * IPv4-compatible `::a.b.c.d`. Numeric IPv4 spellings (`2130706433`, `0x7f.1`, `127.1`) count as
 * addresses too: hosts of non-special schemes such as rtmp:// keep them unnormalised, and the
 * system resolver reads them as addresses.
 */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (!bare || /[^0-9a-fx.:]/i.test(bare)) return null;
  let host: string;
  try {
    host = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname;
  } catch {
    return null;
  }
  if (host.startsWith('[')) return host.slice(1, -1);
  return isIPv4(host) ? host : null;
}
