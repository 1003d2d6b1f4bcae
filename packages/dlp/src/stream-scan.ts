import type { Match, SecretMatcher } from './matcher';
import { ByteWindow } from './window';

export type Hit = Match;

export interface ScanStep {
  /** Bytes now known not to be part of any secret, in stream order. */
  release: Buffer;
  /** The secret found (index is the stream offset); once set it stays set and nothing is released. */
  hit: Hit | null;
}

/**
 * Scans a request body as it streams and releases bytes only once they can no longer be the start
 * of an encoded secret. The automaton state is carried across chunks, so a secret split at any
 * point (even one byte per chunk) is found and no byte is scanned twice. What is held back is the
 * longest suffix that is still a prefix of some pattern, which is at most maxLen - 1 bytes and is
 * usually empty.
 */
export class StreamScanner {
  private state: number;
  private readonly held = new ByteWindow();
  private hit: Hit | null = null;
  private ended = false;

  constructor(private readonly matcher: SecretMatcher) {
    this.state = matcher.start;
  }

  /** Bytes pushed but neither released nor known to be a secret yet. */
  get heldBytes(): number {
    return this.held.length;
  }

  push(chunk: Buffer): ScanStep {
    if (this.ended) throw new Error('push after end');
    if (this.hit) return { release: Buffer.alloc(0), hit: this.hit };
    const offset = this.held.end;
    const r = this.matcher.run(this.state, chunk, 0);
    if (r.end >= 0) {
      const p = this.matcher.patterns[r.pattern]!;
      this.hit = { name: p.name, form: p.form, index: offset + r.end - p.length + 1 };
      // Drop what was held so the secret's prefix does not linger in memory.
      this.held.dropBefore(this.held.end);
      return { release: Buffer.alloc(0), hit: this.hit };
    }
    this.state = r.state;
    this.held.append(chunk);
    const safeEnd = this.held.end - this.matcher.depth(this.state);
    const release = this.held.slice(this.held.start, safeEnd);
    this.held.dropBefore(safeEnd);
    return { release, hit: null };
  }

  /** The stream is complete: whatever is held cannot grow into a secret any more. */
  end(): ScanStep {
    if (this.ended) throw new Error('end called twice');
    this.ended = true;
    if (this.hit) return { release: Buffer.alloc(0), hit: this.hit };
    const release = this.held.slice(this.held.start, this.held.end);
    this.held.dropBefore(this.held.end);
    return { release, hit: null };
  }
}
