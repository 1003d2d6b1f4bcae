import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { AuditService } from '../audit/audit.module';
import type { UserSessions } from './sessions.port';
import { UsersRepo } from './users.repo';
import { usersRoutes } from './users.routes';
import { UsersService } from './users.service';

export { UsersService, toUser } from './users.service';

export interface UsersDeps {
  db: Db;
  audit: AuditService;
  sessions: UserSessions;
}

/** Accounts and roles. `accounts` is handed to the auth module (as its own port), not imported by it. */
export function usersModule(deps: UsersDeps): Module<UsersService> & { accounts: UsersRepo } {
  const accounts = new UsersRepo(deps.db);
  const service = new UsersService(accounts, deps.sessions, deps.audit);
  return { service, accounts, register: (routes) => usersRoutes(routes, service) };
}
