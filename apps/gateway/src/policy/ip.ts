// Strict IP text <-> bytes. Hostnames go through normalizeHost (which also accepts the loose
// inet_aton spellings); this module only reads the canonical shapes so that classification and
// comparison never depend on how an address happened to be written.

const DEC_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** A strict dotted quad (no leading zeros, which some parsers read as octal) as a uint32. */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!DEC_OCTET.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/** RFC 4291 text (one "::", optional trailing dotted quad), no zone id, as 16 bytes. */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length > 45 || text.length < 2) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const readGroups = (s: string, allowV4: boolean): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? '';
      if (allowV4 && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (HEX_GROUP.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 1) {
    const all = readGroups(text, true);
    if (all?.length !== 8) return null;
    groups = all;
  } else {
    const head = readGroups(halves[0] ?? '', false);
    const tail = readGroups(halves[1] ?? '', true);
    // "::" stands for at least one zero group, so at most seven are written.
    if (head === null || tail === null || head.length + tail.length > 7) return null;
    groups = [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >>> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

const isV4Mapped = (b: Uint8Array): boolean =>
  b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** The uint32 at byte offset `at` (big-endian). */
export function v4At(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/**
 * RFC 5952: lower-case, no leading zeros, the longest run (first on a tie) of two or more zero
 * groups as "::", and the mixed notation its section 5 recommends for IPv4-mapped addresses.
 */
export function formatIPv6(b: Uint8Array): string {
  if (isV4Mapped(b)) return `::ffff:${formatIPv4(v4At(b, 12))}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[i * 2] ?? 0) << 8) | (b[i * 2 + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export type ParsedIp = { version: 4; v4: number } | { version: 6; bytes: Uint8Array };

/** A strict dotted quad or bracketless IPv6 (no zone); anything else is null. */
export function parseIp(text: string): ParsedIp | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { version: 4, v4 };
  const bytes = parseIPv6(text);
  return bytes ? { version: 6, bytes } : null;
}

/** The canonical spelling of a strict IP, or null when it is not one. */
export function canonicalIp(text: string): string | null {
  const p = parseIp(text);
  if (!p) return null;
  return p.version === 4 ? formatIPv4(p.v4) : formatIPv6(p.bytes);
}
