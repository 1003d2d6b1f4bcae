import { RateLimited } from '../../lib/errors';

export interface DownloadGateOptions {
  /** Downloads one user may have running at once. */
  perUser?: number;
  /** What a refusal's Retry-After says, in seconds. */
  retryAfterSeconds?: number;
}

/**
 * Admission for log downloads, per user (all their sessions and API tokens together): a download
 * holds an engine request and a reply for as long as the client reads, so without a cap one viewer
 * could open enough of them to take the deck's memory, sockets and CPU from everyone else.
 */
export class DownloadGate {
  private readonly inFlight = new Map<string, number>();
  private readonly perUser: number;
  private readonly retryAfterSeconds: number;

  constructor(opts: DownloadGateOptions = {}) {
    this.perUser = opts.perUser ?? 2;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 5;
  }

  /** Admits a download or throws RateLimited; call the returned function once it ended (any way). */
  admit(userId: string): () => void {
    const running = this.inFlight.get(userId) ?? 0;
    if (running >= this.perUser)
      throw new RateLimited(
        `You already have ${running} log downloads running; at most ${this.perUser} at once. Retry when one has finished.`,
        this.retryAfterSeconds,
      );
    this.inFlight.set(userId, running + 1);
    let released = false;
    return () => {
      // Several events may report the same end (finish, close, an error); only the first counts.
      if (released) return;
      released = true;
      const left = (this.inFlight.get(userId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(userId, left);
      else this.inFlight.delete(userId);
    };
  }

  /** Downloads running for `userId` now. */
  running(userId: string): number {
    return this.inFlight.get(userId) ?? 0;
  }
}
