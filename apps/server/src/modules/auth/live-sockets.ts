import type { WebSocket } from 'ws';
import { parseGuard, roleAtLeast, type Guard } from '@airlock/contract/auth';
import { SocketClose, socketCloseReason, type SocketCloseCode } from '@airlock/contract/socket-close';
import type { AuthContext } from '../../lib/route';
import { InternalError } from '../../lib/errors';

/** What a live socket's handler reads instead of the context it was opened with. */
export interface LiveAuth {
  /** The credential as of the last re-check: current role and unlock window. */
  readonly current: AuthContext;
}

/** The part of AuthService this needs: a read-only re-check of a credential. */
export interface CredentialCheck {
  recheck(auth: AuthContext): Promise<AuthContext | null>;
}

export interface LiveSocketsOptions {
  /** How often every open socket's credential is re-read. */
  intervalMs?: number;
  /** How long a socket behind an unlock guard may outlive its unlock window. */
  afterUnlockMs: number;
  warn?: (msg: string, err: unknown) => void;
}

interface Tracked {
  socket: WebSocket;
  auth: AuthContext;
  guard: Guard;
}

/** Time for the close frame to reach the client before the connection is cut. */
const TERMINATE_AFTER_MS = 300;

const keyOf = (a: AuthContext) => (a.kind === 'session' ? `s:${a.sessionId}` : `t:${a.tokenId}`);

/**
 * Ties every open WebSocket to the session or token that opened it. A socket authenticates once, at
 * the upgrade; without this, a shell or a stream would outlive a logout, a demotion, a disabled
 * account or a revoked token. Every interval (default 500 ms, so a revocation bites within about a
 * second) each distinct credential is re-read once from the store, and each socket is closed with
 * a code from SocketClose when its credential ended, its role no longer meets its endpoint's guard,
 * or (for unlock-guarded endpoints such as the shell) its unlock window closed longer ago than the
 * configured maximum. Handlers read `LiveAuth.current`, so a stream filters by the current role.
 *
 * Polling rather than events keeps one rule for every way a credential can end (including expiry,
 * which has no event) and costs one indexed read per credential per interval.
 */
export class LiveSockets {
  private readonly tracked = new Set<Tracked>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;
  private readonly intervalMs: number;

  constructor(
    private readonly check: CredentialCheck,
    private readonly opts: LiveSocketsOptions,
  ) {
    this.intervalMs = opts.intervalMs ?? 500;
  }

  /** Starts watching a socket the guard let through; it is forgotten when it closes. */
  track(socket: WebSocket, auth: AuthContext | null, guard: Guard): LiveAuth | null {
    if (!auth) return null; // a public socket has no credential to end
    const t: Tracked = { socket, auth, guard };
    this.tracked.add(t);
    socket.once('close', () => this.tracked.delete(t));
    this.timer ??= setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
    return {
      get current() {
        return t.auth;
      },
    };
  }

  get size(): number {
    return this.tracked.size;
  }

  /** Re-checks every tracked socket now (the timer calls this; tests may too). */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const fresh = new Map<string, Promise<AuthContext | null>>();
      for (const t of [...this.tracked]) {
        const key = keyOf(t.auth);
        let p = fresh.get(key);
        if (!p) {
          p = this.check.recheck(t.auth);
          fresh.set(key, p);
        }
        let now: AuthContext | null;
        try {
          now = await p;
        } catch (err) {
          this.opts.warn?.('re-checking a live socket failed', err);
          // A broken invariant (a stored role that is not a role) will not mend by the next sweep:
          // the credential no longer stands. Any other failed read is not a revocation; retry.
          if (err instanceof InternalError) this.end(t, SocketClose.signedOut);
          continue;
        }
        const verdict = this.verdict(t, now);
        if (verdict !== null) this.end(t, verdict);
        else if (now) t.auth = now;
      }
    } finally {
      this.sweeping = false;
      if (this.tracked.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }
  }

  /** Why a socket must close, or null if it may stay open. */
  private verdict(t: Tracked, now: AuthContext | null): SocketCloseCode | null {
    if (!now) return SocketClose.signedOut;
    const { role, unlock } = parseGuard(t.guard);
    if (role !== null && !roleAtLeast(now.user.role, role)) return SocketClose.roleChanged;
    if (now.user.mustChangePassword !== false) return SocketClose.passwordChangeRequired;
    if (unlock) {
      const until = now.unlockedUntil ? Date.parse(now.unlockedUntil) : NaN;
      // No unlock window at all (it was cleared) counts as closed long ago.
      if (!(until + this.opts.afterUnlockMs > Date.now())) return SocketClose.unlockExpired;
    }
    return null;
  }

  private end(t: Tracked, code: SocketCloseCode): void {
    this.tracked.delete(t);
    const s = t.socket;
    if (s.readyState !== s.OPEN) return;
    s.close(code, socketCloseReason(code) ?? '');
    // The close frame is on its way, but a client that never answers it would keep the socket
    // (and its message events, e.g. keystrokes into a shell) alive until ws's 30 s timeout. Stop
    // reading now and cut the connection shortly after the frame has flushed.
    s.pause();
    setTimeout(() => s.terminate(), TERMINATE_AFTER_MS).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
