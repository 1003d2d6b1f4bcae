import { formatIPv4, parseIp, parseIPv6, v4At } from './ip';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'ula'
  | 'reserved'
  | 'broadcast';

type V4Range = [base: string, bits: number, cls: AddressClass];

// Order matters only where ranges nest: 255.255.255.255 sits inside 240/4.
const V4_RANGES: V4Range[] = [
  ['255.255.255.255', 32, 'broadcast'],
  // Connecting to 0.0.0.0 reaches this host on Linux, so all of "this network" counts.
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  // Includes 169.254.169.254, the cloud metadata endpoint.
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V4_TABLE = V4_RANGES.map(([base, bits, cls]) => {
  const parsed = parseIp(base);
  if (parsed?.version !== 4) throw new Error(`bad range ${base}`);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { net: parsed.v4 & mask, mask, cls };
});

function classifyV4(n: number): AddressClass {
  for (const r of V4_TABLE) if ((n & r.mask) >>> 0 === r.net >>> 0) return r.cls;
  return 'public';
}

const zero = (b: Uint8Array, from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);
const word = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);

type Embedded = { v4: number; kind: 'mapped' | 'compatible' | '6to4' | 'nat64' | 'nat64-local' | 'teredo' };

function embedded(b: Uint8Array): Embedded | null {
  if (zero(b, 0, 10) && word(b, 10) === 0xffff) return { v4: v4At(b, 12), kind: 'mapped' };
  // ::/96 minus :: and ::1, which are themselves (unspecified and loopback), not IPv4.
  if (zero(b, 0, 12) && !(zero(b, 12, 15) && (b[15] ?? 0) <= 1)) {
    return { v4: v4At(b, 12), kind: 'compatible' };
  }
  if (word(b, 0) === 0x2002) return { v4: v4At(b, 2), kind: '6to4' };
  if (word(b, 0) === 0x64 && word(b, 2) === 0xff9b && zero(b, 4, 12))
    return { v4: v4At(b, 12), kind: 'nat64' };
  // RFC 8215's local-use prefix; the /96 layout (address in the last 32 bits) is the common one.
  if (word(b, 0) === 0x64 && word(b, 2) === 0xff9b && word(b, 4) === 1) {
    return { v4: v4At(b, 12), kind: 'nat64-local' };
  }
  // Teredo: the client's address is the last 32 bits inverted (RFC 4380).
  if (word(b, 0) === 0x2001 && word(b, 2) === 0)
    return { v4: (v4At(b, 12) ^ 0xffffffff) >>> 0, kind: 'teredo' };
  return null;
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64, Teredo), if any. */
export function embeddedV4(ip6: string): string | null {
  const b = parseIPv6(ip6);
  if (!b) return null;
  const e = embedded(b);
  return e ? formatIPv4(e.v4) : null;
}

function classifyV6(b: Uint8Array): AddressClass {
  if (zero(b, 0, 16)) return 'unspecified';
  if (zero(b, 0, 15) && b[15] === 1) return 'loopback';
  const e = embedded(b);
  if (e) {
    // An IPv6 form of a private IPv4 reaches that IPv4 wherever the host translates or tunnels.
    const cls = classifyV4(e.v4);
    if (cls !== 'public') return cls;
    // Not globally reachable per the IANA special-purpose registry, whatever it embeds.
    if (e.kind === 'nat64-local' || e.kind === 'compatible') return 'reserved';
    return 'public';
  }
  const first = b[0] ?? 0;
  const second = b[1] ?? 0;
  if (first === 0xff) return 'multicast';
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link-local';
  // fec0::/10, deprecated site-local: still an internal network where it is used.
  if (first === 0xfe && (second & 0xc0) === 0xc0) return 'private';
  if ((first & 0xfe) === 0xfc) return 'ula';
  if (word(b, 0) === 0x2001 && word(b, 2) === 0x0db8) return 'reserved';
  // 3fff::/20 is the newer documentation prefix (RFC 9637).
  if (word(b, 0) === 0x3fff && ((b[2] ?? 0) & 0xf0) === 0) return 'reserved';
  if (word(b, 0) === 0x0100 && zero(b, 2, 8)) return 'reserved';
  // Only 2000::/3 is allocated as global unicast; anything else outside the cases above is not
  // an address a public service can have.
  if ((first & 0xe0) !== 0x20) return 'reserved';
  return 'public';
}

/**
 * What kind of address this is. Text that is not a strict IP address classifies as 'reserved'
 * so that a caller that forgot to validate fails closed.
 */
export function classifyAddress(ip: string): AddressClass {
  const p = parseIp(ip);
  if (!p) return 'reserved';
  return p.version === 4 ? classifyV4(p.v4) : classifyV6(p.bytes);
}

export function isPublic(ip: string): boolean {
  return classifyAddress(ip) === 'public';
}
