import ipaddr from 'ipaddr.js';

/**
 * Which addresses a server-side fetch may reach. Only globally routable unicast addresses count as
 * public: loopback, private (RFC 1918, ULA), link-local (incl. the 169.254.169.254 metadata
 * service), CGNAT, multicast, reserved, documentation and unspecified ranges are all refused.
 * IPv4-mapped and NAT64-embedded IPv6 forms are judged by the IPv4 address inside.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    else if (v6.range() === 'rfc6052' || v6.range() === '6to4' || v6.range() === 'teredo') return false;
  }
  return ip.range() === 'unicast';
}

/** Parses the literal IP of a URL host (`[::1]`, `127.0.0.1`), or null for a DNS name. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) ? bare : null;
}
