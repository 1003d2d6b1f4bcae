import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { StreamHub } from '../stream/stream.module';
import { AuditRepo } from './audit.repo';
import { auditRoutes } from './audit.routes';
import { AuditService } from './audit.service';

export { AuditService, actorOf, type Actor, type AuditInput } from './audit.service';

export interface AuditDeps {
  db: Db;
  masterKey: Buffer;
  /** `$AIRLOCK_HOME/audit.head`: the chain head kept outside the store. */
  headFile: string;
  hub: StreamHub;
}

/** The append-only, HMAC-chained audit log. */
export function auditModule(deps: AuditDeps): Module<AuditService> {
  const service = new AuditService(new AuditRepo(deps.db), deps.masterKey, deps.headFile, deps.hub);
  return { service, register: (routes) => auditRoutes(routes, service) };
}
