// Reads the server name out of a TLS ClientHello without terminating TLS, for `passthrough` routes:
// their bytes are relayed untouched, but the SNI must still equal the CONNECT host, or an allowed
// tunnel would carry a connection to any name the upstream's edge serves (domain fronting).

/** The bytes of a complete first TLS record, or `null` while more are needed. Throws if it is not TLS. */
export function completeRecord(buf: Buffer): Buffer | null {
  if (buf.length < 5) return null;
  if (buf[0] !== 0x16) throw new Error('the tunnel did not start with a TLS handshake');
  const len = buf.readUInt16BE(3);
  if (len > 16384) throw new Error('the TLS record is too long');
  return buf.length >= 5 + len ? buf.subarray(0, 5 + len) : null;
}

/**
 * The SNI host name of a ClientHello record (`completeRecord`), or `null` when it carries none.
 * Throws on anything malformed: a passthrough tunnel that cannot be read is refused, not relayed.
 */
export function sniOf(record: Buffer): string | null {
  let p = 5;
  const need = (n: number) => {
    if (p + n > record.length) throw new Error('truncated ClientHello');
  };
  need(4);
  if (record[p] !== 0x01) throw new Error('the first handshake message is not a ClientHello');
  const helloLen = record.readUIntBE(p + 1, 3);
  p += 4;
  if (p + helloLen > record.length) throw new Error('the ClientHello spans several records');
  need(2 + 32);
  p += 2 + 32; // version, random
  need(1);
  p += 1 + record[p]!; // session id
  need(2);
  p += 2 + record.readUInt16BE(p); // cipher suites
  need(1);
  p += 1 + record[p]!; // compression methods
  if (p === record.length) return null;
  need(2);
  const end = p + 2 + record.readUInt16BE(p);
  p += 2;
  if (end > record.length) throw new Error('truncated ClientHello extensions');
  while (p + 4 <= end) {
    const type = record.readUInt16BE(p);
    const len = record.readUInt16BE(p + 2);
    p += 4;
    if (p + len > end) throw new Error('truncated ClientHello extension');
    if (type === 0) {
      let q = p + 2;
      const listEnd = p + 2 + record.readUInt16BE(p);
      while (q + 3 <= listEnd) {
        const nameType = record[q]!;
        const nameLen = record.readUInt16BE(q + 1);
        q += 3;
        if (q + nameLen > listEnd) throw new Error('truncated server name');
        if (nameType === 0) return record.subarray(q, q + nameLen).toString('latin1');
        q += nameLen;
      }
      return null;
    }
    p += len;
  }
  return null;
}
