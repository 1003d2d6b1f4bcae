// WebSocket frames (RFC 6455 §5) after an upgrade the gateway allowed (a route with `websocket: true`).
// Both directions are parsed frame by frame; nothing is relayed as opaque bytes.
//
// Sandbox → upstream: every payload byte is unmasked and scanned for the session's forbidden secrets,
// raw and percent-decoded, with the automaton state carried across pieces, frames and messages, so a
// secret split anywhere is still found. A piece is forwarded only after it was scanned, and a hit is
// found on the byte that completes the secret, so that byte (and everything after it) never leaves;
// the connection is then cut. (Like the body scanner, this stops a complete secret; a proper prefix
// sent on its own is not a match, for WebSocket as for bodies.)
//
// Upstream → sandbox, on a route that injects a credential: an echo of it must never reach the
// sandbox, not even its first bytes, so each frame is buffered (up to MAX_BUFFERED_FRAME) and every
// data message runs through one streaming redactor, which holds back a possible prefix across the
// message's fragments; each frame is re-encoded with its new length. On other routes server frames
// are only checked for framing, then forwarded as they were.
//
// Extensions are never negotiated (the gateway strips Sec-WebSocket-Extensions from the request), so
// a frame with an RSV bit set, like an unmasked sandbox frame or a masked server frame, is a protocol
// error that ends the connection.
import type { SecretMatcher } from '@airlock/dlp/matcher';
import { PercentDecoder } from '@airlock/dlp/percent';
import { StreamRedactor } from '@airlock/dlp/redact';

/** The largest server frame held for redaction; a larger one on a credential route ends the connection. */
export const MAX_BUFFERED_FRAME = 4 * 1024 * 1024;

export interface FrameHeader {
  fin: boolean;
  rsv: number;
  opcode: number;
  mask: Buffer | null;
  length: number;
}

/** Why a connection was cut: a secret found (rule exfiltration) or the peer broke the protocol. */
export type FrameFault = { kind: 'secret'; name: string } | { kind: 'protocol'; reason: string };

const isControl = (opcode: number) => opcode >= 8;
const KNOWN_OPCODES = new Set([0, 1, 2, 8, 9, 10]);

/**
 * Incremental frame parser: `push` bytes as they arrive; it calls `header` once per frame with the
 * raw header bytes, `payload` with each piece as it came (still masked), and `end` when a frame is
 * complete. Never buffers more than one header (at most 14 bytes).
 */
export class FrameParser {
  private head = Buffer.alloc(0);
  private current: FrameHeader | null = null;
  private remaining = 0;
  private offset = 0;

  constructor(
    private readonly on: {
      header(h: FrameHeader, raw: Buffer): void;
      payload(piece: Buffer, offset: number, h: FrameHeader): void;
      end(h: FrameHeader): void;
    },
  ) {}

  /** Returns a protocol fault, or null. */
  push(chunk: Buffer): string | null {
    let i = 0;
    while (i < chunk.length) {
      if (!this.current) {
        const need = this.headerLength(chunk, i);
        if (need === null) {
          this.head = Buffer.concat([this.head, chunk.subarray(i)]);
          return null;
        }
        const take = need - this.head.length;
        const raw = Buffer.concat([this.head, chunk.subarray(i, i + take)]);
        i += take;
        this.head = Buffer.alloc(0);
        const h = parseHeader(raw);
        if (typeof h === 'string') return h;
        this.current = h;
        this.remaining = h.length;
        this.offset = 0;
        this.on.header(h, raw);
        if (h.length === 0) this.finish();
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - i);
      this.on.payload(chunk.subarray(i, i + n), this.offset, this.current);
      i += n;
      this.offset += n;
      this.remaining -= n;
      if (this.remaining === 0) this.finish();
    }
    return null;
  }

  private finish(): void {
    const h = this.current!;
    this.current = null;
    this.on.end(h);
  }

  /** The whole header's length once enough of it has arrived, else null. */
  private headerLength(chunk: Buffer, i: number): number | null {
    const avail = this.head.length + chunk.length - i;
    if (avail < 2) return null;
    const b1 = this.head.length >= 2 ? this.head[1]! : this.head.length === 1 ? chunk[i]! : chunk[i + 1]!;
    const len7 = b1 & 0x7f;
    const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
    return avail >= need ? need : null;
  }
}

function parseHeader(raw: Buffer): FrameHeader | string {
  const b0 = raw[0]!;
  const b1 = raw[1]!;
  let length = b1 & 0x7f;
  let at = 2;
  if (length === 126) {
    length = raw.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    const big = raw.readBigUInt64BE(2);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return 'a frame longer than 2^53 bytes';
    length = Number(big);
    at = 10;
  }
  const h: FrameHeader = {
    fin: (b0 & 0x80) !== 0,
    rsv: (b0 >> 4) & 0x07,
    opcode: b0 & 0x0f,
    mask: b1 & 0x80 ? Buffer.from(raw.subarray(at, at + 4)) : null,
    length,
  };
  if (h.rsv !== 0) return 'a frame with RSV bits set (no extension was negotiated)';
  if (!KNOWN_OPCODES.has(h.opcode)) return `a frame with the unknown opcode ${h.opcode}`;
  if (isControl(h.opcode) && (!h.fin || h.length > 125))
    return 'a control frame that is fragmented or longer than 125 bytes';
  return h;
}

function unmask(piece: Buffer, mask: Buffer | null, offset: number): Buffer {
  if (!mask) return piece;
  const out = Buffer.allocUnsafe(piece.length);
  for (let j = 0; j < piece.length; j++) out[j] = piece[j]! ^ mask[(offset + j) & 3]!;
  return out;
}

/** An unmasked frame (what a server sends). */
export function encodeFrame(fin: boolean, opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (len < 126) head[1] = len;
  else if (len < 0x10000) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Sandbox → upstream. `push` returns the bytes to forward, or a fault (then forward nothing more). */
export class OutboundFrames {
  private readonly parser: FrameParser;
  private out: Buffer[] = [];
  private fault: FrameFault | null = null;
  private raw: number;
  private decodedState: number;
  private readonly decoder = new PercentDecoder(true);

  constructor(private readonly matcher: SecretMatcher | null) {
    this.raw = matcher?.start ?? 0;
    this.decodedState = this.raw;
    this.parser = new FrameParser({
      header: (h, rawHead) => {
        if (!h.mask) this.fault ??= { kind: 'protocol', reason: 'an unmasked frame from the sandbox' };
        else this.out.push(rawHead);
      },
      payload: (piece, offset, h) => {
        if (this.fault) return;
        if (this.matcher && this.matcher.maxLen > 0) {
          const name = this.scan(unmask(piece, h.mask, offset));
          if (name) return void (this.fault = { kind: 'secret', name });
        }
        this.out.push(piece);
      },
      end: () => undefined,
    });
  }

  push(chunk: Buffer): { forward: Buffer; fault: FrameFault | null } {
    if (!this.fault) {
      const bad = this.parser.push(chunk);
      if (bad) this.fault ??= { kind: 'protocol', reason: bad };
    }
    const forward = this.fault ? Buffer.alloc(0) : Buffer.concat(this.out);
    this.out = [];
    return { forward, fault: this.fault };
  }

  private scan(bytes: Buffer): string | null {
    const m = this.matcher!;
    const r = m.run(this.raw, bytes, 0);
    if (r.end >= 0) return m.patterns[r.pattern]!.name;
    this.raw = r.state;
    const d = m.run(this.decodedState, this.decoder.push(bytes), 0);
    if (d.end >= 0) return m.patterns[d.pattern]!.name;
    this.decodedState = d.state;
    return null;
  }
}

/** Upstream → sandbox. With an echo matcher, frames are held and redacted; without, checked and passed. */
export class InboundFrames {
  private readonly parser: FrameParser;
  private out: Buffer[] = [];
  private fault: FrameFault | null = null;
  private held: Buffer[] = [];
  private message: StreamRedactor | null = null;

  constructor(private readonly echo: SecretMatcher | null) {
    this.parser = new FrameParser({
      header: (h, rawHead) => {
        if (h.mask) this.fault ??= { kind: 'protocol', reason: 'a masked frame from the upstream' };
        else if (this.echo && h.length > MAX_BUFFERED_FRAME)
          this.fault ??= {
            kind: 'protocol',
            reason: `a frame of ${h.length} bytes on a credential route (at most ${MAX_BUFFERED_FRAME} are held for redaction)`,
          };
        else if (!this.echo) this.out.push(rawHead);
      },
      payload: (piece) => {
        if (this.fault) return;
        if (this.echo) this.held.push(Buffer.from(piece));
        else this.out.push(piece);
      },
      end: (h) => {
        if (this.fault || !this.echo) return;
        const payload = Buffer.concat(this.held);
        this.held = [];
        this.out.push(this.redactFrame(h, payload));
      },
    });
  }

  push(chunk: Buffer): { forward: Buffer; fault: FrameFault | null } {
    if (!this.fault) {
      const bad = this.parser.push(chunk);
      if (bad) this.fault ??= { kind: 'protocol', reason: bad };
    }
    const forward = this.fault ? Buffer.alloc(0) : Buffer.concat(this.out);
    this.out = [];
    return { forward, fault: this.fault };
  }

  private redactFrame(h: FrameHeader, payload: Buffer): Buffer {
    const echo = this.echo!;
    if (isControl(h.opcode)) {
      // Short enough to redact whole; a replacement that no longer fits a control frame is dropped.
      const r = new StreamRedactor(echo);
      let p = Buffer.concat([r.push(payload), r.end()]);
      if (p.length > 125) p = h.opcode === 8 ? p.subarray(0, 2) : Buffer.alloc(0);
      return encodeFrame(true, h.opcode, p);
    }
    if (h.opcode !== 0 || !this.message) this.message = new StreamRedactor(echo);
    let p = this.message.push(payload);
    if (h.fin) {
      p = Buffer.concat([p, this.message.end()]);
      this.message = null;
    }
    return encodeFrame(h.fin, h.opcode, p);
  }
}
