import ipaddr from 'ipaddr.js';

export interface EmbeddedIpv4 {
  ipv4: ipaddr.IPv4;
  /**
   * True when a connection to the IPv6 address goes to the IPv4 address itself (IPv4-mapped,
   * NAT64 well-known prefix): the IPv4 address alone decides. Otherwise (ISATAP) the IPv6 address
   * must be public too.
   */
  reachesIpv4Directly: boolean;
}

/** Ranges whose last 32 bits are an IPv4 address, and how that IPv4 address is reached. */
const CARRIERS = [
  { range: ipaddr.IPv6.parseCIDR('::ffff:0:0/96'), reachesIpv4Directly: true }, // IPv4-mapped
  { range: ipaddr.IPv6.parseCIDR('64:ff9b::/96'), reachesIpv4Directly: true }, // NAT64 (RFC 6052)
];

/**
 * The IPv4 address an IPv6 address carries, if any: IPv4-mapped `::ffff:a.b.c.d`, NAT64
 * `64:ff9b::a.b.c.d`, and ISATAP interface identifiers `…:0:5efe:a.b.c.d` / `…:200:5efe:a.b.c.d`.
 * (IPv4-compatible `::a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, Teredo and 6to4 carry one too,
 * but the policy refuses those ranges whole.)
 */
export function embeddedIpv4(ip: ipaddr.IPv6): EmbeddedIpv4 | null {
  const parts = ip.parts;
  const last32 = () => new ipaddr.IPv4([parts[6]! >> 8, parts[6]! & 0xff, parts[7]! >> 8, parts[7]! & 0xff]);
  for (const carrier of CARRIERS) {
    if (ip.match(carrier.range)) return { ipv4: last32(), reachesIpv4Directly: carrier.reachesIpv4Directly };
  }
  if ((parts[4] === 0 || parts[4] === 0x200) && parts[5] === 0x5efe) {
    return { ipv4: last32(), reachesIpv4Directly: false };
  }
  return null;
}
