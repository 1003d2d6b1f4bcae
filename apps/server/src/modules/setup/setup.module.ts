import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { AuditService } from '../audit/audit.module';
import type { AuthService } from '../auth/auth.module';
import { setupRoutes } from './setup.routes';
import { SetupService } from './setup.service';

export { SetupService } from './setup.service';

/** First-run setup: the one-time token and the first admin. */
export function setupModule(deps: {
  db: Db;
  tokenFile: string;
  audit: AuditService;
  auth: AuthService;
}): Module<SetupService> {
  const service = new SetupService(deps.db, deps.tokenFile, deps.audit);
  return { service, register: (routes) => setupRoutes(routes, service, deps.auth) };
}
