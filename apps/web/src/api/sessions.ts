import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { sessionsApi, type Session, type SessionBlock } from '@airlock/contract/sessions';
import type { Ok } from '@airlock/contract/system';
import { apiClient } from './client';

/** What the server keeps per session in `recentBlocks` (sessions.service.ts RECENT_BLOCKS). */
export const RECENT_BLOCKS = 20;

export interface SessionList {
  items: Session[];
}

export const sessionsQuery = queryOptions({
  queryKey: ['sessions'] as const,
  queryFn: ({ signal }) => apiClient.call(sessionsApi.list, {}, { signal }),
});

export const orphansQuery = queryOptions({
  queryKey: ['sessions', 'orphans'] as const,
  queryFn: ({ signal }) => apiClient.call(sessionsApi.orphans, {}, { signal }),
});

export function removeSession(id: string): Promise<Ok> {
  return apiClient.call(sessionsApi.remove, { params: { id } });
}

/** A session as the stream announced it (created, changed state, or removed). */
export function applySessionUpdate(list: SessionList, session: Session, removed = false): SessionList {
  const rest = list.items.filter((s) => s.id !== session.id);
  if (removed) return rest.length === list.items.length ? list : { items: rest };
  const at = list.items.findIndex((s) => s.id === session.id);
  if (at < 0) return { items: [session, ...list.items] };
  const items = [...list.items];
  items[at] = session;
  return { items };
}

/**
 * A block the stream reported: counted and put first in the session's recent blocks (newest
 * first, as the server lists them, and as many as it keeps). A block for a session this list does
 * not have yet changes nothing: the session itself arrives with its own counts.
 */
export function applySessionBlock(list: SessionList, sessionId: string, block: SessionBlock): SessionList {
  const at = list.items.findIndex((s) => s.id === sessionId);
  const s = list.items[at];
  if (!s) return list;
  const items = [...list.items];
  items[at] = {
    ...s,
    blockedCount: s.blockedCount + 1,
    recentBlocks: [block, ...s.recentBlocks].slice(0, RECENT_BLOCKS),
  };
  return { items };
}

export function updateCachedSession(qc: QueryClient, session: Session, removed = false): void {
  qc.setQueryData<SessionList>(sessionsQuery.queryKey, (old) =>
    old ? applySessionUpdate(old, session, removed) : old,
  );
}

export function addCachedBlock(qc: QueryClient, sessionId: string, block: SessionBlock): void {
  qc.setQueryData<SessionList>(sessionsQuery.queryKey, (old) =>
    old ? applySessionBlock(old, sessionId, block) : old,
  );
}

export function removeCachedSession(qc: QueryClient, id: string): void {
  qc.setQueryData<SessionList>(sessionsQuery.queryKey, (old) =>
    old ? { items: old.items.filter((s) => s.id !== id) } : old,
  );
}
