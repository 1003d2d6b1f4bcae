/**
 * Counts failed logins per account and per client address in a sliding window; past the limit
 * the key is locked out for a while. In memory: a restart clears it, which is acceptable for a
 * single-process deck (documented in SECURITY.md).
 */
export interface LimiterOptions {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowMinutes: number;
  lockoutMinutes: number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();
  constructor(
    private readonly opts: LimiterOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the caller may try again, or 0 if not locked. */
  retryAfter(account: string, address: string): number {
    const t = this.now();
    const wait = (k: string) => Math.max(0, (this.entries.get(k)?.lockedUntil ?? 0) - t);
    return Math.max(wait(`a:${account.toLowerCase()}`), wait(`ip:${address}`));
  }

  /** Records a failure; true when it just locked the account or the address. */
  fail(account: string, address: string): boolean {
    const a = this.bump(`a:${account.toLowerCase()}`, this.opts.maxFailuresPerAccount);
    const ip = this.bump(`ip:${address}`, this.opts.maxFailuresPerAddress);
    return a || ip;
  }

  succeed(account: string): void {
    this.entries.delete(`a:${account.toLowerCase()}`);
  }

  private bump(key: string, max: number): boolean {
    const t = this.now();
    const windowMs = this.opts.windowMinutes * 60_000;
    const e = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((f) => t - f < windowMs);
    e.failures.push(t);
    const locks = e.failures.length >= max;
    if (locks) {
      e.lockedUntil = t + this.opts.lockoutMinutes * 60_000;
      e.failures = [];
    }
    this.entries.set(key, e);
    if (this.entries.size > 100_000) this.prune(t);
    return locks;
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries)
      if (e.lockedUntil < t && e.failures.length === 0) this.entries.delete(k);
  }
}
