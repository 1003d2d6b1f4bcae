import { infiniteQueryOptions, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { auditApi, type AuditEvent, type AuditPage, type AuditVerify } from '@airlock/contract/audit';
import { apiClient } from './client';

export interface AuditFilters {
  action: string;
  actor: string;
  q: string;
}
export const NO_AUDIT_FILTERS: AuditFilters = { action: '', actor: '', q: '' };
const PAGE_SIZE = 50;

export const auditListKey = ['audit', 'list'] as const;

export function auditQuery(filters: AuditFilters) {
  return infiniteQueryOptions({
    queryKey: [...auditListKey, filters] as const,
    queryFn: ({ pageParam, signal }) =>
      apiClient.call(
        auditApi.list,
        {
          query: {
            limit: PAGE_SIZE,
            before: pageParam ?? undefined,
            action: filters.action || undefined,
            actor: filters.actor || undefined,
            q: filters.q || undefined,
          },
        },
        { signal },
      ),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextBefore,
  });
}

export function verifyAuditChain(): Promise<AuditVerify> {
  return apiClient.call(auditApi.verify);
}

const isUnfiltered = (f: AuditFilters) => !f.action.trim() && !f.actor.trim() && !f.q.trim();

/**
 * A live event goes straight into the unfiltered list. Filtered lists are refetched instead: the
 * server owns the matching rules (action prefix, actor, text), and guessing them here would drift.
 */
export function insertLiveAuditEvent(qc: QueryClient, event: AuditEvent): void {
  qc.setQueryData<InfiniteData<AuditPage, number | null>>(auditQuery(NO_AUDIT_FILTERS).queryKey, (data) => {
    const first = data?.pages[0];
    if (!data || !first) return data;
    if (data.pages.some((p) => p.items.some((e) => e.seq === event.seq))) return data;
    const newest = first.items[0];
    // Only prepend if it is newer than what we show; an older one arrives via refetch or paging.
    if (newest && event.seq < newest.seq) return data;
    return { ...data, pages: [{ ...first, items: [event, ...first.items] }, ...data.pages.slice(1)] };
  });
  void qc.invalidateQueries({
    queryKey: auditListKey,
    predicate: (q) => {
      const filters = q.queryKey[2] as AuditFilters | undefined;
      return filters !== undefined && !isUnfiltered(filters);
    },
  });
}
