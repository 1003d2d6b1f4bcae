import { isIPv4, isIPv6 } from 'node:net';

/**
 * Limits password guessing without letting strangers lock anyone out (issue 8 §1).
 *
 * Three counters of failed attempts within a sliding window:
 * - **account + address**: past `maxFailuresPerAccount` that pair is locked for `lockoutMinutes`.
 *   Only the guesser's own address is locked out of the account, so failures from elsewhere can
 *   never refuse the right password from the owner's address.
 * - **address, across accounts** (spraying): past `maxFailuresPerAddress` that address is locked.
 *   It hurts only whoever shares the address.
 * - **account, across addresses**: never refuses. Past `maxFailuresPerAccount` every attempt on the
 *   account is answered only after a delay that doubles with each further failure, capped at
 *   `maxDelaySeconds` — right and wrong passwords alike, so the delay reveals nothing and the owner
 *   waits at most the cap however many addresses an attacker uses.
 *
 * IPv6 addresses count by /64 (one subscriber usually holds the whole /64; counting single
 * addresses would hand an attacker 2^64 fresh counters). An attempt counts as a failure from the
 * moment it is admitted and is taken back if the password was right, so parallel requests cannot
 * all slip past a limit while their password hashes are being checked.
 *
 * In memory: a restart clears it (documented in SECURITY.md). Entries expire with the window or
 * the lockout, and the map is capped; past the cap the least recently touched entries go first.
 */
export interface LimiterOptions {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowMinutes: number;
  lockoutMinutes: number;
  maxDelaySeconds: number;
  /** Most entries kept (each failure touches at most three). */
  maxEntries?: number;
}

/** The first account-wide delay; each further failure doubles it up to `maxDelaySeconds`. */
const BASE_DELAY_MS = 250;
/** Account-wide failure times kept: enough to reach any cap, bounded under a flood. */
const MAX_ACCOUNT_MARKS = 64;

interface Entry {
  failures: number[];
  lockedUntil: number;
}

/** An admitted attempt: report its outcome exactly once. */
export interface Attempt {
  /** Server-side wait before answering, whatever the outcome (account under pressure). */
  readonly delayMs: number;
  /** The password was wrong; true when this failure locked the pair or the address. */
  failed(): boolean;
  /** The password was right: takes the failure back and clears the pair and the account counts. */
  succeeded(): void;
}

export type Admission = { ok: true; attempt: Attempt } | { ok: false; retryAfterMs: number };

/** What `clear` removed. */
export interface Cleared {
  /** Addresses (or /64s) that were locked out of the account. */
  lockedAddresses: number;
  /** Recent failures across addresses (the account-wide delay) that were forgotten. */
  failures: number;
}

/** The counting unit of a client address: IPv4 as is (also IPv4-mapped IPv6), IPv6 by its /64. */
export function addressKey(ip: string): string {
  const bare = ip.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(bare) || !isIPv6(bare)) return bare;
  const [head = '', tail] = bare.split('::');
  const headGroups = head ? head.split(':') : [];
  let groups = headGroups;
  if (tail !== undefined) {
    const tailGroups = tail ? tail.split(':') : [];
    // A dotted IPv4 tail fills two groups.
    const tailLen = tailGroups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
    groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailLen).fill('0'), ...tailGroups];
  }
  return (
    groups
      .slice(0, 4)
      .map((g) => parseInt(g, 16).toString(16))
      .join(':') + '::/64'
  );
}

export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(
    private readonly opts: LimiterOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxEntries = opts.maxEntries ?? 100_000;
  }

  /**
   * Admits an attempt on `account` from `ip`, or says how long that pair (or that address) must
   * wait. A refusal is not counted, so hammering a locked pair does not extend its lockout.
   */
  admit(account: string, ip: string): Admission {
    const t = this.now();
    const acct = account.toLowerCase();
    const addr = addressKey(ip);
    const pairKey = `p:${addr}|${acct}`;
    const addrKey = `ip:${addr}`;
    const acctKey = `a:${acct}`;
    const wait = Math.max(this.lockLeft(pairKey, t), this.lockLeft(addrKey, t));
    if (wait > 0) return { ok: false, retryAfterMs: wait };

    const pair = this.mark(pairKey, t, this.opts.maxFailuresPerAccount);
    const address = this.mark(addrKey, t, this.opts.maxFailuresPerAddress);
    const acctEntry = this.mark(acctKey, t, MAX_ACCOUNT_MARKS);
    const lockMs = this.opts.lockoutMinutes * 60_000;
    // The failures a lock consumed, so a right password can give them back (minus its own).
    const locks = new Map<Entry, number[]>();
    for (const [e, max] of [
      [pair, this.opts.maxFailuresPerAccount],
      [address, this.opts.maxFailuresPerAddress],
    ] as const) {
      if (e.failures.length >= max) {
        locks.set(e, e.failures);
        e.lockedUntil = t + lockMs;
        e.failures = [];
      }
    }
    // Earlier failures only: this attempt may be the owner's, and must not pay for itself.
    const excess = acctEntry.failures.length - 1 - this.opts.maxFailuresPerAccount;
    const delayMs =
      excess < 0 ? 0 : Math.min(this.opts.maxDelaySeconds * 1000, BASE_DELAY_MS * 2 ** Math.min(excess, 20));

    let settled = false;
    const settle = () => {
      if (settled) throw new Error('a login attempt was settled twice');
      settled = true;
    };
    return {
      ok: true,
      attempt: {
        delayMs,
        failed: () => {
          settle();
          return locks.size > 0;
        },
        succeeded: () => {
          settle();
          // Proven owner at this address: the pair and the account-wide pressure start over. The
          // address keeps its other failures (spraying from it is not excused by one success).
          this.entries.delete(pairKey);
          this.entries.delete(acctKey);
          const a = this.entries.get(addrKey);
          if (a) {
            const consumed = locks.get(a);
            if (consumed) {
              a.lockedUntil = 0;
              a.failures = consumed;
            }
            const i = a.failures.lastIndexOf(t);
            if (i >= 0) a.failures.splice(i, 1);
          }
        },
      },
    };
  }

  /**
   * Forgets every lockout and failure count of `account` (all addresses): the server-host
   * `airlock users unlock-login`. Address-wide locks stay; they are not this account's.
   */
  clear(account: string): Cleared {
    const t = this.now();
    const acct = account.toLowerCase();
    const suffix = `|${acct}`;
    let lockedAddresses = 0;
    for (const [k, e] of this.entries) {
      // Addresses never contain '|', so the first '|' of a pair key ends the address.
      if (k.startsWith('p:') && k.slice(k.indexOf('|')) === suffix) {
        if (e.lockedUntil > t) lockedAddresses++;
        this.entries.delete(k);
      }
    }
    const a = this.entries.get(`a:${acct}`);
    const failures = a ? this.live(a, t).length : 0;
    this.entries.delete(`a:${acct}`);
    return { lockedAddresses, failures };
  }

  /** Entries held now (for the memory bound's test). */
  get size(): number {
    return this.entries.size;
  }

  private lockLeft(key: string, t: number): number {
    return Math.max(0, (this.entries.get(key)?.lockedUntil ?? 0) - t);
  }

  private live(e: Entry, t: number): number[] {
    const windowMs = this.opts.windowMinutes * 60_000;
    return e.failures.filter((f) => t - f < windowMs);
  }

  /** Adds a failure at `t` to `key`, keeping at most `keep` recent ones; returns the entry. */
  private mark(key: string, t: number, keep: number): Entry {
    const e = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    e.failures = this.live(e, t);
    e.failures.push(t);
    if (e.failures.length > keep) e.failures.splice(0, e.failures.length - keep);
    // Re-inserting keeps the map in least-recently-touched order for eviction.
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > this.maxEntries) this.shrink(t);
    return e;
  }

  private shrink(t: number): void {
    for (const [k, e] of this.entries)
      if (e.lockedUntil <= t && this.live(e, t).length === 0) this.entries.delete(k);
    // Still full (a flood from many addresses): drop the least recently touched tenth, so the cost
    // of pruning is paid once per many failures rather than on each.
    const target = Math.floor(this.maxEntries * 0.9);
    for (const k of this.entries.keys()) {
      if (this.entries.size <= target) break;
      this.entries.delete(k);
    }
  }
}
