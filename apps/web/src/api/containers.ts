import { queryOptions, type QueryClient } from '@tanstack/react-query';
import {
  fleetApi,
  type ActionResponse,
  type ContainerDetail,
  type ContainerList,
  type ContainerSummary,
  type OperatorVerb,
} from '@airlock/contract/fleet';
import type { HostList } from '@airlock/contract/hosts';
import {
  PatchLog,
  applyContainerPatch,
  isFiltered,
  sortContainers,
  type ContainerPatch,
  type FleetFilters,
} from '../lib/fleet-list';
import { mergeSummary } from '../lib/container-detail';
import { apiClient } from './client';
import { hostLabelLookup, hostsQuery } from './hosts';
import { wsUrl } from './stream';
import { filtersToQuery } from '../lib/fleet-list';

export const containersKey = ['containers'] as const;
export const containerListKey = [...containersKey, 'list'] as const;
export const containerDetailKey = [...containersKey, 'detail'] as const;

const hostLabels = (qc: QueryClient) => hostLabelLookup(qc.getQueryData<HostList>(hostsQuery.queryKey));

/** Recent live patches, to bring list answers that were in flight up to date. */
const livePatches = new PatchLog();

export function containersQuery(qc: QueryClient, filters: FleetFilters) {
  return queryOptions({
    queryKey: [...containerListKey, filters] as const,
    queryFn: async ({ signal }) => {
      const start = livePatches.position;
      const list = await apiClient.call(fleetApi.list, { query: filtersToQuery(filters) }, { signal });
      const label = hostLabels(qc);
      // Sorted here with the same comparator the live patches use, so rows never jump on the first patch.
      let data: ContainerList = { ...list, items: sortContainers(list.items, filters, label) };
      // Stream messages that arrived while this request was in flight may be newer than its answer.
      const late = livePatches.since(start);
      if (late === null) void qc.invalidateQueries({ queryKey: containerListKey });
      for (const patch of late ?? []) data = applyContainerPatch(data, patch, filters, label);
      return data;
    },
    // Lists of 10k rows: deep-comparing every refetch costs more than re-rendering a window of rows.
    structuralSharing: false,
  });
}

export function containerQuery(hostId: string, id: string) {
  return queryOptions({
    queryKey: [...containerDetailKey, hostId, id] as const,
    queryFn: ({ signal }) => apiClient.call(fleetApi.detail, { params: { hostId, id } }, { signal }),
  });
}

export function containerStatsQuery(hostId: string, id: string) {
  return queryOptions({
    queryKey: [...containersKey, 'stats', hostId, id] as const,
    queryFn: ({ signal }) => apiClient.call(fleetApi.stats, { params: { hostId, id } }, { signal }),
    refetchInterval: 5_000,
    staleTime: 0,
  });
}

export function runContainerAction(hostId: string, id: string, verb: OperatorVerb): Promise<ActionResponse> {
  return apiClient.call(fleetApi.action, { params: { hostId, id, verb } });
}

export function removeContainer(hostId: string, id: string, name: string): Promise<ActionResponse> {
  return apiClient.call(fleetApi.remove, { params: { hostId, id }, body: { confirm: name } });
}

export function logsDownloadUrl(hostId: string, id: string, tail: number): string {
  return apiClient.url(fleetApi.logsDownload, { params: { hostId, id }, query: { tail } });
}

export function logsSocketUrl(
  hostId: string,
  id: string,
  opts: { tail: number; follow: boolean; timestamps: boolean },
): string {
  return wsUrl(
    apiClient.url(fleetApi.logs, {
      params: { hostId, id },
      query: { tail: opts.tail, follow: opts.follow ? '1' : '0', timestamps: opts.timestamps ? '1' : '0' },
    }),
  );
}

export function execSocketUrl(hostId: string, id: string, cols: number, rows: number): string {
  return wsUrl(apiClient.url(fleetApi.exec, { params: { hostId, id }, query: { cols, rows } }));
}

let refetchTimer: ReturnType<typeof setTimeout> | null = null;

/** Filtered lists' header counts (and server-side matching) get an authoritative refetch, batched. */
function refetchFilteredSoon(qc: QueryClient): void {
  if (refetchTimer) return;
  refetchTimer = setTimeout(() => {
    refetchTimer = null;
    void qc.invalidateQueries({
      queryKey: containerListKey,
      predicate: (q) => {
        const f = q.queryKey[2] as FleetFilters | undefined;
        return f !== undefined && isFiltered(f);
      },
    });
  }, 2_000);
}

/** Applies a live-stream container message to every cached list and open detail view. */
export function applyLiveContainers(qc: QueryClient, patch: ContainerPatch): void {
  livePatches.record(patch);
  const label = hostLabels(qc);
  let filteredTouched = false;
  for (const [key, data] of qc.getQueriesData<ContainerList>({ queryKey: containerListKey })) {
    const filters = key[2] as FleetFilters | undefined;
    if (!data || !filters) continue;
    const next = applyContainerPatch(data, patch, filters, label);
    if (next !== data) qc.setQueryData(key, next);
    if (isFiltered(filters)) filteredTouched = true;
  }
  if (filteredTouched) refetchFilteredSoon(qc);

  // Detail views: show the new state at once, then refetch the parts the summary does not carry,
  // but only when the row changed something: the detail request itself makes the server re-read
  // the container, and a repeated row must not start another round.
  const items: ContainerSummary[] =
    patch.type === 'containers.upsert' || patch.type === 'containers.replace' ? patch.items : [];
  for (const [key, data] of qc.getQueriesData<ContainerDetail>({ queryKey: containerDetailKey })) {
    if (!data || data.hostId !== patch.hostId) continue;
    const fresh = items.find((c) => c.id === data.id);
    if (fresh) {
      const merged = mergeSummary(data, fresh);
      if (!merged) continue;
      qc.setQueryData<ContainerDetail>(key, merged);
      void qc.invalidateQueries({ queryKey: key, exact: true });
    } else if (
      patch.type === 'host.removed' ||
      patch.type === 'containers.replace' ||
      (patch.type === 'containers.remove' && patch.ids.includes(data.id))
    ) {
      void qc.invalidateQueries({ queryKey: key, exact: true });
    }
  }
}

/** An action's answer is the container right after it: show it without waiting for the stream. */
export function applyActionResult(
  qc: QueryClient,
  hostId: string,
  res: ActionResponse,
  removedId?: string,
): void {
  if (res.container) {
    applyLiveContainers(qc, { type: 'containers.upsert', hostId, items: [res.container] });
  } else if (removedId) {
    applyLiveContainers(qc, { type: 'containers.remove', hostId, ids: [removedId] });
  }
}
