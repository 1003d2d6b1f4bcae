import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { AuditService } from '../audit/audit.module';
import { TokensRepo } from './tokens.repo';
import { tokensRoutes } from './tokens.routes';
import { TokensService } from './tokens.service';

export { TokensService } from './tokens.service';

/** Personal API tokens. `store` is handed to the auth module (as its own port) to resolve them. */
export function tokensModule(deps: { db: Db; audit: AuditService }): Module<TokensService> & {
  store: TokensRepo;
} {
  const store = new TokensRepo(deps.db);
  const service = new TokensService(store, deps.audit);
  return { service, store, register: (routes) => tokensRoutes(routes, service) };
}
