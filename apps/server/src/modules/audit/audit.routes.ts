import { auditApi } from '@airlock/contract/audit';
import type { RouteTable } from '../../lib/route';
import type { AuditService } from './audit.service';

export function auditRoutes(routes: RouteTable, audit: AuditService): void {
  routes.add(auditApi.list, ({ query }) => audit.list(query));
  routes.add(auditApi.verify, () => audit.verify());
}
