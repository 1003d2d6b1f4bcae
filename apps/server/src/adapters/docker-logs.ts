import type { LogLine } from '@airlock/contract/fleet';

// Docker's log streams, read: the multiplexed frame format and newline-delimited JSON, split into
// bounded lines. Pure, so the unit tests feed them hostile bytes directly.

/** Longest line kept before it is emitted in pieces (a container can write megabytes without "\n"). */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Turns Docker's log stream into lines. Non-TTY containers multiplex stdout and stderr in frames with
 * an 8-byte header ([type, 0, 0, 0, size uint32 BE]); TTY containers send raw bytes (all stdout).
 * Bytes are kept per stream until a newline, so a line or a UTF-8 character split across frames
 * survives. With `timestamps`, Docker prefixes each line with an RFC 3339 time and a space.
 */
export class LogDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  /** The frame whose payload is arriving, and how many of its bytes are still to come. */
  private frame: { stream: LogLine['stream']; left: number } | null = null;
  private raw: boolean;
  private readonly partial: Record<LogLine['stream'], Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialLen: Record<LogLine['stream'], number> = { stdout: 0, stderr: 0 };

  constructor(
    tty: boolean,
    private readonly timestamps: boolean,
  ) {
    this.raw = tty;
  }

  push(chunk: Buffer): LogLine[] {
    const out: LogLine[] = [];
    if (this.raw) {
      this.feed('stdout', chunk, out);
      return out;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.frame) {
        // A frame's payload is fed as it arrives: a header may declare up to 4 GiB, and waiting for
        // all of it would hold that much (a hostile engine need only send the header and pour).
        if (this.pending.length === 0) break;
        const take = Math.min(this.frame.left, this.pending.length);
        this.feed(this.frame.stream, this.pending.subarray(0, take), out);
        this.pending = this.pending.subarray(take);
        this.frame.left -= take;
        if (this.frame.left === 0) this.frame = null;
        continue;
      }
      if (this.pending.length < 8) break;
      const type = this.pending[0];
      if (
        (type !== 1 && type !== 2 && type !== 0) ||
        this.pending[1] !== 0 ||
        this.pending[2] !== 0 ||
        this.pending[3] !== 0
      ) {
        // Not a frame header: the stream is not multiplexed after all. Treat the rest as raw stdout.
        this.raw = true;
        const rest = this.pending;
        this.pending = Buffer.alloc(0);
        this.feed('stdout', rest, out);
        return out;
      }
      const size = this.pending.readUInt32BE(4);
      this.pending = this.pending.subarray(8);
      if (size > 0) this.frame = { stream: type === 2 ? 'stderr' : 'stdout', left: size };
    }
    return out;
  }

  /** Emits what is left (a last line without "\n"). */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialLen[stream] > 0) this.emit(stream, Buffer.concat(this.partial[stream]), out);
      this.partial[stream] = [];
      this.partialLen[stream] = 0;
    }
    return out;
  }

  private feed(stream: LogLine['stream'], data: Buffer, out: LogLine[]): void {
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = data.subarray(start, nl);
      const parts = this.partial[stream];
      this.emit(stream, parts.length ? Buffer.concat([...parts, piece]) : piece, out);
      this.partial[stream] = [];
      this.partialLen[stream] = 0;
      start = nl + 1;
    }
    if (start < data.length) {
      const rest = data.subarray(start);
      this.partial[stream].push(rest);
      this.partialLen[stream] += rest.length;
      if (this.partialLen[stream] >= MAX_LINE_BYTES) {
        this.emit(stream, Buffer.concat(this.partial[stream]), out);
        this.partial[stream] = [];
        this.partialLen[stream] = 0;
      }
    }
  }

  private emit(stream: LogLine['stream'], bytes: Buffer, out: LogLine[]): void {
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    let ts: string | null = null;
    if (this.timestamps) {
      const sp = text.indexOf(' ');
      const head = sp < 0 ? text : text.slice(0, sp);
      if (/^\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})$/.test(head)) {
        ts = head;
        text = sp < 0 ? '' : text.slice(sp + 1);
      }
    }
    out.push({ stream, ts, line: text });
  }
}

/** Splits Docker's events stream (JSON objects, one per line) into objects. */
export class JsonLines {
  private buf = '';
  push(chunk: Buffer | string): unknown[] {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const out: unknown[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) out.push(JSON.parse(line));
    }
    if (this.buf.length > 1024 * 1024) throw new Error('event larger than 1 MiB');
    return out;
  }
}
