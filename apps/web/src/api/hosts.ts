import { queryOptions, type QueryClient } from '@tanstack/react-query';
import {
  hostsApi,
  type ConfirmHostKeyBody,
  type CreateHostBody,
  type CreatedHost,
  type Host,
  type HostList,
  type UpdateHostBody,
} from '@airlock/contract/hosts';
import type { Ok } from '@airlock/contract/system';
import { apiClient } from './client';

export const hostsQuery = queryOptions({
  queryKey: ['hosts'] as const,
  queryFn: ({ signal }) => apiClient.call(hostsApi.list, {}, { signal }),
  // A refetch answered before a status change can arrive after the stream reported it: the server
  // decides which hosts exist, the later status snapshot of each wins.
  structuralSharing: (old: unknown, next: unknown) =>
    mergeHostList(old as HostList | undefined, next as HostList),
});

export function mergeHostList(old: HostList | undefined, next: HostList): HostList {
  if (!old) return next;
  const byId = new Map(old.items.map((h) => [h.id, h]));
  return { items: next.items.map((h) => mergeHost(byId.get(h.id), h)) };
}

export function createHost(body: CreateHostBody): Promise<CreatedHost> {
  return apiClient.call(hostsApi.create, { body });
}

export function updateHost(id: string, body: UpdateHostBody): Promise<Host> {
  return apiClient.call(hostsApi.update, { params: { id }, body });
}

export function removeHost(id: string): Promise<Ok> {
  return apiClient.call(hostsApi.remove, { params: { id } });
}

export function confirmHostKey(id: string, body: ConfirmHostKeyBody): Promise<Host> {
  return apiClient.call(hostsApi.confirmHostKey, { params: { id }, body });
}

export function rotateHostToken(id: string): Promise<CreatedHost> {
  return apiClient.call(hostsApi.rotateToken, { params: { id } });
}

export function reconnectHost(id: string): Promise<Host> {
  return apiClient.call(hostsApi.reconnect, { params: { id } });
}

/**
 * The host to keep when a copy arrives. HTTP answers and stream messages travel on different
 * connections, so an older copy can arrive last (an edit's answer says "pending" after the stream
 * already said "unreachable" and offered the presented key). Every copy is a whole snapshot made
 * from the current record, so the one whose status changed later wins, entirely.
 */
export function mergeHost(prev: Host | undefined, incoming: Host): Host {
  return prev && Date.parse(prev.status.since) > Date.parse(incoming.status.since) ? prev : incoming;
}

/** Puts a host the server answered with (or the stream announced) into the cached list. */
export function upsertCachedHost(qc: QueryClient, host: Host): void {
  qc.setQueryData<HostList>(hostsQuery.queryKey, (old) => {
    if (!old) return old;
    const at = old.items.findIndex((h) => h.id === host.id);
    if (at < 0) return { items: [...old.items, host] };
    const items = [...old.items];
    items[at] = mergeHost(old.items[at], host);
    return { items };
  });
}

export function removeCachedHost(qc: QueryClient, hostId: string): void {
  qc.setQueryData<HostList>(hostsQuery.queryKey, (old) =>
    old ? { items: old.items.filter((h) => h.id !== hostId) } : old,
  );
}

/** Host id → label, for joining containers with their host; unknown ids show as themselves. */
export function hostLabelLookup(hosts: HostList | undefined): (hostId: string) => string {
  const map = new Map((hosts?.items ?? []).map((h) => [h.id, h.label]));
  return (hostId) => map.get(hostId) ?? hostId;
}
