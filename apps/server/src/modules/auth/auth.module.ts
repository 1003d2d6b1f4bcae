import type { ServerConfig } from '@airlock/contract/config';
import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { AuditService } from '../audit/audit.module';
import type { AuthTokens, AuthUsers } from './accounts.port';
import { authRoutes } from './auth.routes';
import { AuthService } from './auth.service';
import { LiveSockets } from './live-sockets';
import { SessionsRepo } from './sessions.repo';

export { AuthService, type Credentials, type IssuedSession } from './auth.service';
export { setSessionCookie } from './auth.routes';
export { LiveSockets } from './live-sockets';

export interface AuthDeps {
  db: Db;
  config: ServerConfig;
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
} {
  const sessions = new SessionsRepo(deps.db);
  const service = new AuthService(deps.users, sessions, deps.tokens, deps.audit, deps.config, deps.masterKey);
  const liveSockets = new LiveSockets(service, {
    afterUnlockMs: deps.config.session.shellAfterUnlockMinutes * 60_000,
    warn: deps.warn,
    ...deps.liveSockets,
  });
  return { service, sessions, liveSockets, register: (routes) => authRoutes(routes, service) };
}
