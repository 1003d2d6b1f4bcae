/**
 * The bytes of a stream from absolute offset `start` to `end`, appended at the back and dropped from
 * the front. Space is reused rather than reallocated per chunk, so holding a short tail while bytes
 * trickle in one at a time costs amortised O(1) per byte instead of a copy of the tail per push.
 */
export class ByteWindow {
  /** Stream offset of the first byte held. */
  start = 0;
  private buf = Buffer.alloc(0);
  private lo = 0;
  private hi = 0;

  get length(): number {
    return this.hi - this.lo;
  }

  /** Stream offset just past the last byte held. */
  get end(): number {
    return this.start + this.length;
  }

  /** Copies chunk in, so the caller may reuse its buffer. */
  append(chunk: Buffer): void {
    const len = this.length;
    if (this.hi + chunk.length > this.buf.length) {
      const need = len + chunk.length;
      if (need * 2 <= this.buf.length) {
        // Compacting at most half the capacity, after at least half of it was appended: amortised O(1).
        this.buf.copyWithin(0, this.lo, this.hi);
      } else {
        const grown = Buffer.alloc(Math.max(64, need * 2));
        this.buf.copy(grown, 0, this.lo, this.hi);
        this.buf = grown;
      }
      this.lo = 0;
      this.hi = len;
    }
    chunk.copy(this.buf, this.hi);
    this.hi += chunk.length;
  }

  /** A copy of the bytes at stream offsets [from, to). */
  slice(from: number, to: number): Buffer {
    if (from < this.start || to > this.end || from > to) throw new RangeError(`[${from}, ${to}) not held`);
    return Buffer.from(this.buf.subarray(this.lo + from - this.start, this.lo + to - this.start));
  }

  /** Forgets the bytes before stream offset pos. */
  dropBefore(pos: number): void {
    if (pos < this.start || pos > this.end) throw new RangeError(`cannot drop before ${pos}`);
    this.lo += pos - this.start;
    this.start = pos;
  }
}
