import { RateLimited } from '../../lib/errors';

export interface IngestGateOptions {
  /**
   * The least time between two reports of one host, as a fraction of its configured interval.
   * 0.5 lets an agent whose clock or curl runs a little early through, and stops a loop.
   */
  spacing?: number;
  now?: () => number;
}

/**
 * Admission for push reports, per host: at most one report in flight (from the token check until
 * the answer is sent, so a slow upload counts), and a minimum spacing since the last admitted one.
 * One leaked or misbehaving host token can then cost the deck one report per half interval, and
 * its refusals are answered before the body is read, so nobody else's latency moves.
 */
export class IngestGate {
  private readonly inFlight = new Set<string>();
  /** Per host: when its last report was admitted, and under which token (see admit). */
  private readonly lastAdmitted = new Map<string, { at: number; token: string }>();
  private readonly spacing: number;
  private readonly now: () => number;

  constructor(opts: IngestGateOptions = {}) {
    this.spacing = opts.spacing ?? 0.5;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Admits a report or throws RateLimited; call the returned function once it is answered.
   * `token` names the credential the report came with (a hash, never the token): the spacing runs
   * per token, so an agent restarted with a freshly rotated token is heard at once, while the one
   * in-flight slot stays per host whatever token is used.
   */
  admit(hostId: string, intervalSeconds: number, token = ''): () => void {
    if (this.inFlight.has(hostId))
      throw new RateLimited(
        'A report from this host is still being received; the agent sends one at a time.',
        1,
      );
    const now = this.now();
    const minGapMs = intervalSeconds * 1000 * this.spacing;
    const last = this.lastAdmitted.get(hostId);
    if (last !== undefined && last.token === token && now - last.at < minGapMs) {
      const waitS = (minGapMs - (now - last.at)) / 1000;
      throw new RateLimited(
        `This host reported ${((now - last.at) / 1000).toFixed(1)} s ago; its interval is ${intervalSeconds} s, ` +
          `so reports closer than ${(minGapMs / 1000).toFixed(1)} s apart are refused. Retry in ${Math.ceil(waitS)} s.`,
        waitS,
      );
    }
    this.inFlight.add(hostId);
    this.lastAdmitted.set(hostId, { at: now, token });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight.delete(hostId);
    };
  }
}
