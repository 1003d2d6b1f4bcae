import { type Me } from '@airlock/contract/auth';
import { TOKEN_PREFIX } from '@airlock/contract/tokens';
import type { ServerConfig } from '@airlock/contract/config';
import { createHmac, hkdfSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimited, UserError, unauthenticated } from '../../lib/errors';
import {
  dummyPasswordHash,
  hashPassword,
  randomToken,
  safeEqual,
  sha256,
  verifyPassword,
} from '../../lib/crypto';
import type { AuthContext } from '../../lib/route';
import { storedRole } from '../../lib/stored-role';
import type { ClientInfo } from '../../lib/client-info';
import type { ApiTokensTable, UsersTable } from '../../db/schema';
import type { AuthTokens, AuthUsers } from './accounts.port';
import { actorOf, type AuditService } from '../audit/audit.module';
import type { SessionsRepo } from './sessions.repo';
import { LoginLimiter, type Attempt, type Cleared } from './login-limiter';

const TOUCH_EVERY_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** "Try again in …" for a lockout of `ms`, in the unit a person would use. */
function tryAgainIn(ms: number): string {
  return ms < 60_000 ? `${Math.ceil(ms / 1000)} second(s)` : `${Math.ceil(ms / 60_000)} minute(s)`;
}

/** What a request presents to prove who it is. */
export interface Credentials {
  authorization?: string;
  sessionCookie?: string;
}

export interface IssuedSession {
  cookie: string;
  me: Me;
  maxAgeSeconds: number;
}

/** Parses `alk_<id>_<secret>`; anything else is not one of ours. */
export function parseApiToken(value: string): { id: string; secret: string } | null {
  if (!value.startsWith(TOKEN_PREFIX)) return null;
  const rest = value.slice(TOKEN_PREFIX.length);
  const i = rest.indexOf('_');
  if (i <= 0) return null;
  const id = rest.slice(0, i);
  const secret = rest.slice(i + 1);
  return /^[A-Za-z0-9-]+$/.test(id) && secret.length >= 20 ? { id, secret } : null;
}

export class AuthService {
  readonly limiter: LoginLimiter;
  /** Keys the audit label of unknown usernames; a purpose-bound HKDF subkey of the master key. */
  readonly #unknownNameKey: Buffer;

  constructor(
    private readonly users: AuthUsers,
    private readonly sessions: SessionsRepo,
    private readonly tokens: AuthTokens,
    private readonly audit: AuditService,
    private readonly cfg: ServerConfig,
    masterKey: Buffer,
  ) {
    this.limiter = new LoginLimiter(cfg.login);
    this.#unknownNameKey = Buffer.from(
      hkdfSync('sha256', masterKey, Buffer.alloc(0), 'airlock audit unknown username v1', 32),
    );
  }

  /**
   * How the audit log names a username that is not an account: a keyed hash, so repeated attempts
   * with one name correlate while the name itself (often a password typed into the wrong field)
   * is never stored and cannot be recovered or guessed from the log without the master key.
   */
  unknownUserTarget(username: string): string {
    return `user-unknown:${createHmac('sha256', this.#unknownNameKey).update(username, 'utf8').digest('hex').slice(0, 16)}`;
  }

  /**
   * Admits a password check for `username` from `ip` or refuses it with 429 + Retry-After. A
   * refusal is not audited per attempt, so an anonymous caller cannot grow the log at will; the
   * lockout itself is audited once, on the failure that caused it (details.lockedOut).
   */
  private admit(username: string, ip: string, what: string): Attempt {
    const admission = this.limiter.admit(username, ip);
    if (!admission.ok)
      throw new RateLimited(
        `Too many failed ${what} from this address. Try again in ${tryAgainIn(admission.retryAfterMs)}.`,
        admission.retryAfterMs / 1000,
      );
    return admission.attempt;
  }

  /**
   * Checks a password, answering no sooner than the attempt's delay (the account-wide slow-down),
   * so a right password and a wrong one take the same time.
   */
  private async checkPassword(attempt: Attempt, password: string, hash: string): Promise<boolean> {
    const [ok] = await Promise.all([verifyPassword(password, hash), sleep(attempt.delayMs)]);
    return ok;
  }

  /**
   * Clears every sign-in lockout and failure count of an existing account (all addresses): the
   * server-host `airlock users unlock-login`. Null when there is no such user.
   */
  async unlockLogin(username: string, via: string): Promise<Cleared | null> {
    const user = await this.users.byUsername(username);
    if (!user) return null;
    const cleared = this.limiter.clear(user.username);
    await this.audit.append({
      actor: { type: 'system', name: via },
      action: 'auth.login.unlocked',
      target: `user:${user.username}`,
      details: { ...cleared },
    });
    return cleared;
  }

  /**
   * Identifies the caller from the Authorization header or the session cookie; null when neither is
   * valid. A request that sends an Authorization header is judged by it alone.
   */
  async resolve(credentials: Credentials): Promise<AuthContext | null> {
    const header = credentials.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      return m?.[1] ? this.resolveToken(m[1]) : null;
    }
    const cookie = credentials.sessionCookie;
    return cookie ? this.resolveSession(cookie) : null;
  }

  private async activeUser(id: string): Promise<UsersTable | null> {
    const u = await this.users.byId(id);
    return u && u.disabled === 0 ? u : null;
  }

  private resolveSession(cookie: string): Promise<AuthContext | null> {
    return this.sessionContext(sha256(cookie), true);
  }

  /**
   * The context of a stored session, or null once it has ended (logged out, expired, idle, user
   * disabled or gone). `touch` records activity; a re-check of an open socket passes false, so a
   * socket left open does not keep an idle session alive.
   */
  private async sessionContext(id: string, touch: boolean): Promise<AuthContext | null> {
    const s = await this.sessions.byId(id);
    if (!s) return null;
    const now = Date.now();
    const idleMs = this.cfg.session.idleMinutes * 60_000;
    if (Date.parse(s.expires_at) <= now || Date.parse(s.last_seen_at) + idleMs <= now) {
      await this.sessions.delete(id);
      return null;
    }
    const u = await this.activeUser(s.user_id);
    if (!u) return null;
    const role = storedRole(u.role, `user ${u.id}`);
    if (touch && now - Date.parse(s.last_seen_at) > TOUCH_EVERY_MS)
      await this.sessions.update(id, { last_seen_at: iso(now) });
    return {
      kind: 'session',
      user: {
        id: u.id,
        username: u.username,
        role,
        mustChangePassword: u.must_change_password !== 0,
      },
      sessionId: id,
      csrfToken: s.csrf_token,
      unlockedUntil: s.unlocked_until,
    };
  }

  private async resolveToken(value: string): Promise<AuthContext | null> {
    const parsed = parseApiToken(value);
    if (!parsed) return null;
    const t = await this.tokens.byId(parsed.id);
    if (!t || !safeEqual(sha256(parsed.secret), t.secret_hash)) return null;
    return this.tokenContext(t, true);
  }

  /** The context of a stored API token, or null once it is revoked, expired or its owner disabled. */
  private async tokenContext(t: ApiTokensTable | undefined, touch: boolean): Promise<AuthContext | null> {
    if (!t || t.revoked_at) return null;
    const now = Date.now();
    if (t.expires_at && Date.parse(t.expires_at) <= now) return null;
    const u = await this.activeUser(t.user_id);
    if (!u) return null;
    const role = storedRole(u.role, `user ${u.id}`);
    // The token's own role is only shown, but a corrupt one is a broken row all the same: refused.
    storedRole(t.role, `API token ${t.id}`);
    if (touch && (!t.last_used_at || now - Date.parse(t.last_used_at) > TOUCH_EVERY_MS)) {
      await this.tokens.update(t.id, { last_used_at: iso(now) });
    }
    return {
      kind: 'token',
      // A token acts with its owner's current role: demoting the user demotes the token.
      user: {
        id: u.id,
        username: u.username,
        role,
        mustChangePassword: u.must_change_password !== 0,
      },
      tokenId: t.id,
      unlockedUntil: t.unlocked_until,
    };
  }

  /**
   * Re-reads the credential a live socket was opened with: its current role and unlock window, or
   * null when it no longer stands. Records no activity.
   */
  recheck(auth: AuthContext): Promise<AuthContext | null> {
    return auth.kind === 'session'
      ? this.sessionContext(auth.sessionId, false)
      : this.tokens.byId(auth.tokenId).then((t) => this.tokenContext(t, false));
  }

  me(auth: AuthContext): Me {
    return {
      user: auth.user,
      via: auth.kind,
      csrfToken: auth.kind === 'session' ? auth.csrfToken : null,
      unlockedUntil:
        auth.unlockedUntil && Date.parse(auth.unlockedUntil) > Date.now() ? auth.unlockedUntil : null,
    };
  }

  /** Creates a fresh session (new id and CSRF token: rotation on every login). */
  async issueSession(user: UsersTable, client: ClientInfo): Promise<IssuedSession> {
    // Before anything is written: an account whose role is unknown gets no session.
    const role = storedRole(user.role, `user ${user.id}`);
    const cookie = randomToken(32);
    const now = Date.now();
    const absMs = this.cfg.session.absoluteHours * 3_600_000;
    const csrf = randomToken(24);
    await this.sessions.insert({
      id: sha256(cookie),
      user_id: user.id,
      csrf_token: csrf,
      created_at: iso(now),
      last_seen_at: iso(now),
      expires_at: iso(now + absMs),
      unlocked_until: null,
      client_ip: client.ip,
      user_agent: client.userAgent,
    });
    await this.users.update(user.id, { last_login_at: iso(now) });
    await this.sessions.deleteExpired(iso(now));
    return {
      cookie,
      maxAgeSeconds: Math.floor(absMs / 1000),
      me: {
        user: {
          id: user.id,
          username: user.username,
          role,
          mustChangePassword: user.must_change_password !== 0,
        },
        via: 'session',
        csrfToken: csrf,
        unlockedUntil: null,
      },
    };
  }

  async login(username: string, password: string, client: ClientInfo): Promise<IssuedSession> {
    const attempt = this.admit(username, client.ip, 'sign-ins');
    const user = await this.users.byUsername(username);
    // Same work whether or not the user exists, so timing does not reveal usernames.
    const ok = await this.checkPassword(
      attempt,
      password,
      user?.password_hash ?? (await dummyPasswordHash()),
    );
    if (!user || !ok || user.disabled === 1) {
      const lockedOut = attempt.failed();
      const reason = !user ? 'unknown user' : !ok ? 'wrong password' : 'disabled';
      // An unknown name is stored only as its keyed hash (it may be a mistyped password).
      const target = user ? `user:${user.username}` : this.unknownUserTarget(username);
      await this.audit.append({
        actor: user ? { type: 'anonymous', name: user.username } : { type: 'anonymous' },
        action: 'auth.login.failure',
        target,
        details: { ip: client.ip, reason, ...(lockedOut ? { lockedOut: true } : {}) },
      });
      throw unauthenticated('Wrong username or password.');
    }
    attempt.succeeded();
    const issued = await this.issueSession(user, client);
    await this.audit.append({
      actor: { type: 'user', id: user.id, name: user.username },
      action: 'auth.login.success',
      target: `user:${user.username}`,
      details: { ip: client.ip },
    });
    return issued;
  }

  async logout(auth: AuthContext): Promise<void> {
    if (auth.kind === 'session') await this.sessions.delete(auth.sessionId);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'auth.logout',
      target: `user:${auth.user.username}`,
    });
  }

  /**
   * Changes the caller's own password, checked against the current one (counted like a failed
   * unlock, so a stolen session cannot guess it), clears a required change, and ends the user's
   * other sessions: whoever else held one signed in with the old password. The caller's session
   * stays; API tokens are credentials of their own and stay too.
   */
  async changePassword(auth: AuthContext, current: string, next: string, client: ClientInfo): Promise<void> {
    const user = await this.recheckPassword(auth, current, client, {
      failure: 'auth.password.failure',
      message: 'The current password is wrong; the password was not changed.',
      field: 'body.currentPassword',
    });
    const wasRequired = user.must_change_password !== 0;
    await this.users.update(user.id, { password_hash: await hashPassword(next), must_change_password: 0 });
    await this.sessions.deleteForUser(user.id, auth.kind === 'session' ? auth.sessionId : undefined);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'auth.password.change',
      target: `user:${auth.user.username}`,
      details: { via: auth.kind, ...(wasRequired ? { required: true } : {}) },
    });
  }

  /**
   * The signed-in user's password, asked again (unlock, password change): refused while too many
   * recent attempts failed, and each failure counted and audited, so a stolen session cannot
   * guess it.
   */
  private async recheckPassword(
    auth: AuthContext,
    password: string,
    client: ClientInfo,
    refusal: { failure: string; message: string; field: string },
  ): Promise<UsersTable> {
    const attempt = this.admit(auth.user.username, client.ip, 'attempts');
    const user = await this.users.byId(auth.user.id);
    if (!user || !(await this.checkPassword(attempt, password, user.password_hash))) {
      attempt.failed();
      await this.audit.append({
        actor: actorOf(auth),
        action: refusal.failure,
        target: `user:${auth.user.username}`,
      });
      throw new UserError(403, 'forbidden', refusal.message, [{ path: refusal.field, message: 'is wrong' }]);
    }
    attempt.succeeded();
    return user;
  }

  /** Re-checks the password and opens the unlock window for this session or token. */
  async unlock(auth: AuthContext, password: string, client: ClientInfo): Promise<string> {
    await this.recheckPassword(auth, password, client, {
      failure: 'auth.unlock.failure',
      message: 'Wrong password; nothing was unlocked.',
      field: 'body.password',
    });
    const until = iso(Date.now() + this.cfg.session.unlockMinutes * 60_000);
    if (auth.kind === 'session') await this.sessions.update(auth.sessionId, { unlocked_until: until });
    else await this.tokens.update(auth.tokenId, { unlocked_until: until });
    await this.audit.append({
      actor: actorOf(auth),
      action: 'auth.unlock',
      target: `user:${auth.user.username}`,
      details: { until },
    });
    return until;
  }
}
