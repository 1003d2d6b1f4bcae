import { z } from 'zod';
import { endpoint } from './endpoint';

export const AuditEvent = z.object({
  seq: z.number().int(),
  ts: z.string(),
  actorType: z.enum(['user', 'token', 'system', 'anonymous', 'agent', 'host']),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQuery = z.object({
  /** Return events with seq < before (paging backwards from the newest). */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  action: z.string().max(100).optional(),
  actor: z.string().max(100).optional(),
  q: z.string().max(200).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = z.object({ items: z.array(AuditEvent), nextBefore: z.number().int().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditVerify = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBadSeq: z.number().int().optional(),
  reason: z.string().optional(),
});
export type AuditVerify = z.infer<typeof AuditVerify>;

export const auditApi = {
  list: endpoint({
    path: '/api/audit',
    guard: 'operator',
    summary: 'Audit events, newest first; page with `before`, filter by action prefix, actor or text.',
    tags: ['audit'],
    query: AuditQuery,
    response: AuditPage,
  }),
  verify: endpoint({
    path: '/api/audit/verify',
    guard: 'operator',
    summary: 'Walk the hash chain and report the first edited, deleted or reordered event.',
    tags: ['audit'],
    response: AuditVerify,
  }),
};
