// A minimal DER encoder: just the ASN.1 types an X.509 v3 certificate needs. Every function returns
// the complete TLV so callers compose structures by nesting calls.

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
export const boolean = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const octetString = (b: Buffer): Buffer => tlv(0x04, b);
export const utf8String = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const ia5String = (s: string): Buffer => tlv(0x16, Buffer.from(s, 'ascii'));
/** `[n] EXPLICIT` (constructed, wraps a complete TLV). */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** `[n] IMPLICIT` of a primitive type (the content bytes only). */
export const implicitPrimitive = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);

/** A non-negative INTEGER from its big-endian magnitude (minimal form, sign byte added if needed). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  const needsSign = m.length === 0 || (m[0] ?? 0) >= 0x80;
  return tlv(0x02, needsSign ? Buffer.concat([Buffer.from([0]), m]) : m);
}

export const smallInteger = (n: number): Buffer => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('smallInteger: 0..2^32-1');
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return unsignedInteger(b);
};

export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  if (unusedBits < 0 || unusedBits > 7) throw new RangeError('bitString: 0..7 unused bits');
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/** A named-bit BIT STRING (bit 0 = the most significant bit of the first byte), trailing zeros cut. */
export function namedBits(bits: readonly number[]): Buffer {
  const last = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(last / 8) + 1);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] ?? 0) | (0x80 >> (b & 7));
  return bitString(bytes, 7 - (last & 7));
}

export function objectIdentifier(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => {
    if (!/^\d+$/.test(p)) throw new RangeError(`objectIdentifier: bad arc in ${dotted}`);
    return Number(p);
  });
  const [a, b, ...rest] = parts;
  if (a === undefined || b === undefined || a > 2) throw new RangeError(`objectIdentifier: ${dotted}`);
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280, 4.1.2.5). */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest =
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds()) +
    'Z';
  if (y >= 1950 && y < 2050) return tlv(0x17, Buffer.from(pad(y % 100) + rest, 'ascii'));
  return tlv(0x18, Buffer.from(pad(y, 4) + rest, 'ascii'));
}
