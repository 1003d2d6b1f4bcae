import path from 'node:path';
import type { ServerConfig } from '@airlock/contract/config';
import { HOST_REQUESTS_DIR } from '@airlock/contract/host-requests';
import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { AuditService } from '../audit/audit.module';
import type { AuthTokens, AuthUsers } from './accounts.port';
import { authRoutes } from './auth.routes';
import { AuthService } from './auth.service';
import { HostRequestInbox } from './host-requests';
import { LiveSockets } from './live-sockets';
import { SessionsRepo } from './sessions.repo';

export { AuthService, type Credentials, type IssuedSession } from './auth.service';
export { setSessionCookie } from './auth.routes';
export { LiveSockets } from './live-sockets';

export interface AuthDeps {
  db: Db;
  config: ServerConfig;
  /** `$AIRLOCK_HOME`: where server-host requests (unlock-login) arrive. */
  home: string;
  /** Keys the audit label of unknown usernames (through an HKDF subkey). */
  masterKey: Buffer;
  audit: AuditService;
  users: AuthUsers;
  tokens: AuthTokens;
  /** Live-socket re-check overrides (tests shorten the interval). */
  liveSockets?: { intervalMs?: number };
  warn: (msg: string, err: unknown) => void;
}

/**
 * Sign-in, sessions, unlock, and the live-socket watch that ends sockets with their credential.
 * `sessions` is handed to the users module (its UserSessions port) to end a user's sessions.
 */
export function authModule(deps: AuthDeps): Module<AuthService> & {
  sessions: SessionsRepo;
  liveSockets: LiveSockets;
  hostRequests: HostRequestInbox;
} {
  const sessions = new SessionsRepo(deps.db);
  const service = new AuthService(deps.users, sessions, deps.tokens, deps.audit, deps.config, deps.masterKey);
  const liveSockets = new LiveSockets(service, {
    afterUnlockMs: deps.config.session.shellAfterUnlockMinutes * 60_000,
    warn: deps.warn,
    ...deps.liveSockets,
  });
  const hostRequests = new HostRequestInbox({
    dir: path.join(deps.home, HOST_REQUESTS_DIR),
    warn: deps.warn,
    handle: async (req) => {
      const cleared = await service.unlockLogin(req.username, 'server host (airlock users unlock-login)');
      return cleared ? { ok: true, ...cleared } : { ok: false, message: `No user named "${req.username}".` };
    },
  });
  return {
    service,
    sessions,
    liveSockets,
    hostRequests,
    register: (routes) => authRoutes(routes, service),
  };
}
