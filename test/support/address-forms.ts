import type { Fuzzer } from './fuzz.js';

/**
 * Address-form mutations for SSRF fuzzing: a non-public IPv4 address written in one of the
 * spellings a URL host accepts (per-part decimal, octal or hex, the short a.b.c / a.b / a forms,
 * a trailing dot) or carried inside an IPv6 form (IPv4-mapped, -compatible, -translated, NAT64,
 * 6to4, Teredo, ISATAP), or a non-public IPv6 range. Every URL it makes must be refused.
 */
const V4_RANGES: Array<[number, number]> = [
  [0x7f000000, 8], // loopback
  [0x0a000000, 8], // private
  [0xac100000, 12],
  [0xc0a80000, 16],
  [0xa9fe0000, 16], // link-local, metadata
  [0x64400000, 10], // CGNAT
  [0x00000000, 8], // "this network"
  [0xc6120000, 15], // benchmarking
  [0xc0000000, 24], // IETF
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

const V6_RANGES = [
  '::1',
  '::',
  'fe80::',
  'fc00::',
  'fd00::',
  'fec0::',
  'ff02::',
  'ff0e::',
  '2001:db8::',
  '100::',
  '3fff::',
  '5f00::',
];

export function nonPublicIpv4(f: Fuzzer): number {
  const [base, bits] = f.pick(V4_RANGES);
  const host = Math.floor(f.random() * 2 ** (32 - bits));
  return (base + host) >>> 0;
}

function number(f: Fuzzer, n: number): string {
  const radix = f.int(3);
  if (radix === 1) return `0${n.toString(8)}`;
  if (radix === 2) return `0x${f.random() < 0.5 ? n.toString(16) : n.toString(16).toUpperCase()}`;
  return String(n);
}

/** a.b.c.d, a.b.(c.d), a.(b.c.d) or (a.b.c.d), each part in its own radix. */
export function spellIpv4(f: Fuzzer, ip: number): string {
  const o = [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff];
  const parts = f.pick([
    () => o,
    () => [o[0]!, o[1]!, (o[2]! << 8) | o[3]!],
    () => [o[0]!, ((o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0],
    () => [ip],
  ])();
  return parts.map((p) => number(f, p)).join('.') + (f.random() < 0.1 ? '.' : '');
}

const hex = (n: number) => n.toString(16);
const dotted = (ip: number) => [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join('.');
const tail = (f: Fuzzer, ip: number) =>
  f.random() < 0.5 ? dotted(ip) : `${hex(ip >>> 16)}:${hex(ip & 0xffff)}`;

export function spellIpv6(f: Fuzzer, ip: number): string {
  const form = f.pick([
    () => `::ffff:${tail(f, ip)}`,
    () => `0:0:0:0:0:ffff:${tail(f, ip)}`,
    () => `::${tail(f, ip)}`,
    () => `::ffff:0:${tail(f, ip)}`,
    () => `64:ff9b::${tail(f, ip)}`,
    () => `64:ff9b:1::${tail(f, ip)}`,
    () => `2002:${hex(ip >>> 16)}:${hex(ip & 0xffff)}::${hex(f.int(0x10000))}`,
    () =>
      `2001:0:${hex(f.int(0x10000))}:${hex(f.int(0x10000))}:8000:${hex(f.int(0x10000))}:${hex((~ip >>> 16) & 0xffff)}:${hex(~ip & 0xffff)}`,
    () => `2607:f8b0:${hex(f.int(0x10000))}:1:${f.pick(['0', '200'])}:5efe:${tail(f, ip)}`,
    () => `${f.pick(V6_RANGES)}${hex(1 + f.int(0xfffe))}`,
  ])();
  return f.random() < 0.3 ? form.toUpperCase() : form;
}

/** An http(s) URL whose host is a non-public address in a random spelling. */
export function nonPublicAddressUrl(f: Fuzzer): string {
  const ip = nonPublicIpv4(f);
  const host = f.random() < 0.5 ? spellIpv4(f, ip) : `[${spellIpv6(f, ip)}]`;
  const port = f.random() < 0.3 ? `:${1 + f.int(65535)}` : '';
  return `${f.pick(['http', 'https', 'HTTP'])}://${host}${port}/${f.chars(8, '/.').replace(/[#?\s\\]/g, '')}`;
}
