import { encodedForms } from './encodings';

export interface Secret {
  name: string;
  value: string;
}

export interface Match {
  name: string;
  form: string;
  /** Offset of the match's first byte (in the buffer for find, in the whole stream for scanners). */
  index: number;
}

export interface Pattern {
  name: string;
  form: string;
  length: number;
}

/** Where a run stopped: `end` is the buffer index of the byte that completed `pattern`, or -1. */
export interface RunResult {
  state: number;
  end: number;
  pattern: number;
}

/**
 * Exact multi-pattern matcher over bytes for every encoded form of every secret: an Aho–Corasick
 * automaton compiled once into a full transition table, so a scan costs one table lookup per input
 * byte whatever the number of secrets. States can be carried from one buffer to the next, which is
 * what lets the stream scanner and redactor find a secret split across chunks without rescanning.
 *
 * A byte string shared by two secrets is reported under the first.
 */
export class SecretMatcher {
  /** Length of the longest pattern; 0 when there are no secrets. */
  readonly maxLen: number;
  readonly patterns: readonly Pattern[];
  /** The state before any input. */
  readonly start = 0;
  // Bytes that occur in no pattern share class 0, which keeps the table narrow (about 80 columns for
  // typical secrets instead of 256).
  private readonly classOf = new Uint8Array(256);
  private readonly width: number;
  // next[state * width + class] = the next state, bit-inverted (negative) when a pattern ends there,
  // so the hot loop tests a sign instead of loading a second table.
  private readonly next: Int32Array;
  private readonly depthOf: Int32Array;
  // Longest pattern ending at a state (-1 for none), and the nearest proper-suffix state where a
  // pattern ends (-1 for none), to enumerate every pattern ending at a position.
  private readonly ownPattern: Int32Array;
  private readonly outPattern: Int32Array;
  private readonly dictLink: Int32Array;

  constructor(secrets: readonly Secret[]) {
    const patterns: Pattern[] = [];
    const bytes: Buffer[] = [];
    const seen = new Set<string>();
    for (const { name, value } of secrets) {
      for (const f of encodedForms(value)) {
        const key = f.bytes.toString('latin1');
        if (seen.has(key)) continue;
        seen.add(key);
        patterns.push({ name, form: f.form, length: f.bytes.length });
        bytes.push(f.bytes);
      }
    }
    this.patterns = patterns;
    this.maxLen = bytes.reduce((m, b) => Math.max(m, b.length), 0);

    let classes = 1;
    for (const b of bytes) for (const c of b) if (this.classOf[c] === 0) this.classOf[c] = classes++;
    const w = classes;
    this.width = w;
    const maxStates = 1 + bytes.reduce((n, b) => n + b.length, 0);
    const next = new Int32Array(maxStates * w).fill(-1);
    const depth = new Int32Array(maxStates);
    const own = new Int32Array(maxStates).fill(-1);

    // The trie; in this phase `next` holds child state numbers, -1 for no child.
    let states = 1;
    bytes.forEach((b, id) => {
      let s = 0;
      for (const c of b) {
        const i = s * w + this.classOf[c]!;
        if (next[i] === -1) {
          depth[states] = depth[s]! + 1;
          next[i] = states++;
        }
        s = next[i]!;
      }
      own[s] = id;
    });

    // Breadth first, so a state's failure state (strictly shallower) is complete before it: a missing
    // edge copies the failure state's edge, turning the trie into a DFA.
    const fail = new Int32Array(states);
    const dict = new Int32Array(states).fill(-1);
    const out = new Int32Array(states).fill(-1);
    const queue = new Int32Array(states);
    let head = 0;
    let tail = 0;
    for (let c = 0; c < w; c++) {
      const child = next[c]!;
      if (child === -1) next[c] = 0;
      else queue[tail++] = child;
    }
    while (head < tail) {
      const u = queue[head++]!;
      const f = fail[u]!;
      dict[u] = own[f]! >= 0 ? f : dict[f]!;
      out[u] = own[u]! >= 0 ? own[u]! : dict[u] >= 0 ? own[dict[u]]! : -1;
      for (let c = 0; c < w; c++) {
        const child = next[u * w + c]!;
        if (child === -1) next[u * w + c] = next[f * w + c]!;
        else {
          fail[child] = u === 0 ? 0 : next[f * w + c]!;
          queue[tail++] = child;
        }
      }
    }
    for (let i = 0; i < states * w; i++) if (out[next[i]!]! >= 0) next[i] = ~next[i]!;
    this.next = next.slice(0, states * w);
    this.depthOf = depth.slice(0, states);
    this.ownPattern = own.slice(0, states);
    this.outPattern = out;
    this.dictLink = dict;
  }

  /** The first match in buf (earliest end, then longest), or null. */
  find(buf: Buffer): Match | null {
    const r = this.run(this.start, buf, 0);
    if (r.end < 0) return null;
    const p = this.patterns[r.pattern]!;
    return { name: p.name, form: p.form, index: r.end - p.length + 1 };
  }

  /**
   * Advances from `state` over buf[from..] and stops just after the first byte that completes a
   * pattern (reporting the longest one ending there), or at the end of buf.
   */
  run(state: number, buf: Buffer, from: number): RunResult {
    const { next, classOf, outPattern, width } = this;
    let s = state;
    for (let i = from; i < buf.length; i++) {
      const t = next[s * width + classOf[buf[i]!]!]!;
      if (t < 0) return { state: ~t, end: i, pattern: outPattern[~t]! };
      s = t;
    }
    return { state: s, end: -1, pattern: -1 };
  }

  /**
   * Length of the longest suffix of the input so far that could still grow into a match: no match
   * can start before it, so everything earlier is safe to release.
   */
  depth(state: number): number {
    return this.depthOf[state]!;
  }

  /** Every pattern ending at `state`, longest first. */
  patternsEndingAt(state: number): number[] {
    const ids: number[] = [];
    let s = this.ownPattern[state]! >= 0 ? state : this.dictLink[state]!;
    while (s >= 0) {
      ids.push(this.ownPattern[s]!);
      s = this.dictLink[s]!;
    }
    return ids;
  }
}
