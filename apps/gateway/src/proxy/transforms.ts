// The streaming halves of the DLP hook-up: request bodies are scanned as they pass (a window as long
// as the longest encoded secret is held back, so no complete secret ever reaches the upstream), and
// response bodies on credential routes have echoed secrets replaced as they pass. Neither buffers a
// whole body.
import { Transform, type TransformCallback } from 'node:stream';
import type { SecretMatcher } from '@airlock/dlp/matcher';
import { StreamRedactor } from '@airlock/dlp/redact';
import { PercentDecoder, percentDecode } from '@airlock/dlp/percent';
import { StreamScanner } from '@airlock/dlp/stream-scan';

export class ExfiltrationHit extends Error {
  constructor(readonly secretName: string) {
    super(`the request body carries secret "${secretName}"`);
  }
}

/**
 * The raw scanner decides what may be released; a second one reads the percent-decoded stream, so a
 * secret with any of its bytes written as %XX is found too. The decoded stream is never longer than
 * the raw one, so its hit arrives no later than the raw bytes that complete the secret: those are
 * never released.
 */
export class ScanStream extends Transform {
  private readonly raw: StreamScanner;
  private readonly decoded: StreamScanner;
  private readonly decoder = new PercentDecoder(true);
  constructor(matcher: SecretMatcher) {
    super();
    this.raw = new StreamScanner(matcher);
    this.decoded = new StreamScanner(matcher);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const r = this.raw.push(chunk);
    const d = r.hit ? null : this.decoded.push(this.decoder.push(chunk));
    const hit = r.hit ?? d?.hit;
    if (hit) return cb(new ExfiltrationHit(hit.name));
    cb(null, r.release.length ? r.release : undefined);
  }
  override _flush(cb: TransformCallback): void {
    const r = this.raw.end();
    let hit = r.hit;
    if (!hit) hit = this.decoded.push(this.decoder.end()).hit ?? this.decoded.end().hit;
    if (hit) return cb(new ExfiltrationHit(hit.name));
    cb(null, r.release.length ? r.release : undefined);
  }
}

/** A secret in a request line or header block, as sent or with its escapes decoded (once or twice). */
export function findInHead(matcher: SecretMatcher, head: Buffer): string | null {
  const once = percentDecode(head, true);
  const hit = matcher.find(head) ?? matcher.find(once) ?? matcher.find(percentDecode(once, true));
  return hit?.name ?? null;
}

export class RedactStream extends Transform {
  private readonly redactor: StreamRedactor;
  constructor(matcher: SecretMatcher) {
    super();
    this.redactor = new StreamRedactor(matcher);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const out = this.redactor.push(chunk);
    cb(null, out.length ? out : undefined);
  }
  override _flush(cb: TransformCallback): void {
    const out = this.redactor.end();
    cb(null, out.length ? out : undefined);
  }
}
