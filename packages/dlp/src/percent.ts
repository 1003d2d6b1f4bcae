// Percent-decoding for the scanner. A secret can leave with any subset of its bytes written as %XX
// (`sk%2Dtest...`), and no list of encoded forms covers every subset, so URLs, header values and
// bodies are also scanned decoded. `+` is decoded as a space only where forms use it (query strings
// and form bodies), which the caller chooses. Malformed escapes pass through unchanged.

const hex = (c: number): number =>
  c >= 0x30 && c <= 0x39
    ? c - 0x30
    : c >= 0x41 && c <= 0x46
      ? c - 0x37
      : c >= 0x61 && c <= 0x66
        ? c - 0x57
        : -1;

/** Decodes %XX (and `+` when `plus`) in one buffer. Returns the input itself when it has no escapes. */
export function percentDecode(buf: Buffer, plus = false): Buffer {
  let i = buf.indexOf(0x25);
  const hasPlus = plus && buf.includes(0x2b);
  if (i < 0 && !hasPlus) return buf;
  const out = Buffer.allocUnsafe(buf.length);
  let o = 0;
  for (i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x25 && i + 2 < buf.length) {
      const h = hex(buf[i + 1]!);
      const l = hex(buf[i + 2]!);
      if (h >= 0 && l >= 0) {
        out[o++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[o++] = plus && c === 0x2b ? 0x20 : c;
  }
  return out.subarray(0, o);
}

/**
 * The same, over a stream: an escape split across chunks (`%2` | `D`) is decoded once both halves
 * have arrived, so a decoded scan sees exactly what a whole-buffer decode would.
 */
export class PercentDecoder {
  private carry = Buffer.alloc(0);
  constructor(private readonly plus = false) {}

  push(chunk: Buffer): Buffer {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    // Keep an unfinished escape (the last one or two bytes) for the next chunk.
    let keep = 0;
    if (buf.length >= 1 && buf[buf.length - 1] === 0x25) keep = 1;
    else if (buf.length >= 2 && buf[buf.length - 2] === 0x25 && hex(buf[buf.length - 1]!) >= 0) keep = 2;
    this.carry = Buffer.from(buf.subarray(buf.length - keep));
    return percentDecode(buf.subarray(0, buf.length - keep), this.plus);
  }

  end(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest;
  }
}
