import { AuditPage, AuditQuery, AuditVerify } from '@airlock/contract/audit';
import type { RouteTable } from '../../lib/route';
import type { AuditService } from './audit.service';

export function auditRoutes(routes: RouteTable, audit: AuditService): void {
  routes.add({
    method: 'GET',
    url: '/api/audit',
    guard: 'operator',
    summary: 'Audit events, newest first; page with `before`, filter by action prefix, actor or text.',
    tags: ['audit'],
    query: AuditQuery,
    response: AuditPage,
    handler: ({ query }) => audit.list(query),
  });
  routes.add({
    method: 'GET',
    url: '/api/audit/verify',
    guard: 'operator',
    summary: 'Walk the hash chain and report the first edited, deleted or reordered event.',
    tags: ['audit'],
    response: AuditVerify,
    handler: () => audit.verify(),
  });
}
