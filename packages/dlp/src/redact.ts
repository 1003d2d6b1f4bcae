import { type Secret, SecretMatcher } from './matcher';
import { ByteWindow } from './window';

export type Replacement = (name: string) => Buffer;

export const defaultReplacement: Replacement = (name) => Buffer.from(`[REDACTED:${name}]`);

// Occurrences that overlap are redacted as one region, so no byte of either survives (leftmost-longest
// replacement would leave the tail of the second secret in place). Each secret in the region is
// named once, ordered by where its first occurrence starts (then ends).
interface Region {
  start: number;
  /** Inclusive. */
  end: number;
  names: Map<string, readonly [number, number]>;
}

const before = (a: readonly [number, number], b: readonly [number, number]) =>
  a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * Replaces every occurrence of every encoded form of the secrets in a byte stream (responses echo
 * what the sandbox sent), chunk by chunk and without buffering the body. Occurrences split across
 * chunks are found because the automaton state is carried over; the raw bytes held back are only
 * the suffix that could still grow into a match, at most maxLen - 1 bytes.
 */
export class StreamRedactor {
  private readonly matcher: SecretMatcher;
  private state: number;
  private readonly window = new ByteWindow();
  // Regions not yet written: disjoint, in stream order, and the last ones may still grow.
  private readonly pending: Region[] = [];
  // Stream offset before which everything has been written out (as itself or as a replacement).
  private emitted = 0;
  private out: Buffer[] = [];
  private ended = false;

  constructor(
    secrets: readonly Secret[] | SecretMatcher,
    private readonly replacement: Replacement = defaultReplacement,
  ) {
    this.matcher = secrets instanceof SecretMatcher ? secrets : new SecretMatcher(secrets);
    this.state = this.matcher.start;
  }

  /** Raw input bytes currently held back. */
  get heldBytes(): number {
    return this.window.length;
  }

  push(chunk: Buffer): Buffer {
    if (this.ended) throw new Error('push after end');
    const m = this.matcher;
    const base = this.window.end;
    this.window.append(chunk);
    for (let from = 0; ;) {
      const r = m.run(this.state, chunk, from);
      this.state = r.state;
      if (r.end < 0) break;
      const at = base + r.end;
      // No later match can start before the frontier, so regions ending before it are final.
      this.closeBefore(at + 1 - m.depth(this.state));
      for (const id of m.patternsEndingAt(this.state)) {
        const p = m.patterns[id]!;
        this.add(at - p.length + 1, at, p.name);
      }
      from = r.end + 1;
    }
    const frontier = this.window.end - m.depth(this.state);
    this.closeBefore(frontier);
    const first = this.pending[0];
    this.flushRaw(first ? Math.min(first.start, frontier) : frontier);
    // Bytes inside the first region will be replaced, never read, so they need not be kept even
    // while the region can still grow; everything after it lies within the last maxLen - 1 bytes.
    this.window.dropBefore(first && this.emitted === first.start ? first.end + 1 : this.emitted);
    return this.take();
  }

  end(): Buffer {
    if (this.ended) throw new Error('end called twice');
    this.ended = true;
    this.closeBefore(Infinity);
    this.flushRaw(this.window.end);
    this.window.dropBefore(this.window.end);
    return this.take();
  }

  private add(start: number, end: number, name: string): void {
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]!.end >= start) i--;
    const merged = this.pending.splice(i);
    const region: Region = { start: Math.min(start, merged[0]?.start ?? start), end, names: new Map() };
    const note = (n: string, key: readonly [number, number]) => {
      const had = region.names.get(n);
      if (!had || before(key, had)) region.names.set(n, key);
    };
    for (const r of merged) for (const [n, key] of r.names) note(n, key);
    note(name, [start, end]);
    this.pending.push(region);
  }

  private closeBefore(frontier: number): void {
    while (this.pending.length > 0 && this.pending[0]!.end < frontier) {
      const region = this.pending.shift()!;
      this.flushRaw(region.start);
      const names = [...region.names].sort((a, b) => (before(a[1], b[1]) ? -1 : 1));
      for (const [name] of names) this.out.push(this.replacement(name));
      this.emitted = region.end + 1;
    }
  }

  private flushRaw(to: number): void {
    if (to <= this.emitted) return;
    this.out.push(this.window.slice(this.emitted, to));
    this.emitted = to;
  }

  private take(): Buffer {
    const out = Buffer.concat(this.out);
    this.out = [];
    return out;
  }
}

/** Redacts a complete value, such as a header. */
export function redactText(
  s: string,
  secrets: readonly Secret[] | SecretMatcher,
  replacement: Replacement = defaultReplacement,
): string {
  const r = new StreamRedactor(secrets, replacement);
  return Buffer.concat([r.push(Buffer.from(s, 'utf8')), r.end()]).toString('utf8');
}
