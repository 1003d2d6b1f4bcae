import {
  ContainerSort,
  ContainerState,
  Health,
  StatusClass,
  type ContainerList,
  type ContainerSummary,
} from '@airlock/contract/fleet';
import {
  compareContainers,
  containerMatcher,
  countStatuses,
  type HostLabelOf,
} from '@airlock/contract/fleet-query';

// The one fleet query lives in the contract; the list patches below apply it to live changes.
export { compareContainers, countStatuses, type HostLabelOf };

/** What the Fleet page shows; lives in the URL so a filtered view can be shared and reloaded. */
export interface FleetFilters {
  host: string[];
  state: ContainerState[];
  health: Health[];
  status: StatusClass[];
  q: string;
  sort: ContainerSort;
  order: 'asc' | 'desc';
}

export const DEFAULT_FLEET_FILTERS: FleetFilters = {
  host: [],
  state: [],
  health: [],
  status: [],
  q: '',
  sort: 'status',
  order: 'asc',
};

const HOST_ID = /^[A-Za-z0-9_-]{1,64}$/;

function csvOf<T>(raw: string | null, parse: (s: string) => T | null): T[] {
  if (!raw) return [];
  const out: T[] = [];
  for (const part of raw.split(',')) {
    const v = parse(part.trim());
    if (v !== null && !out.includes(v)) out.push(v);
  }
  return out;
}

const enumParser =
  <T extends string>(schema: { safeParse: (v: unknown) => { success: boolean; data?: T } }) =>
  (s: string): T | null => {
    const r = schema.safeParse(s);
    return r.success && r.data !== undefined ? r.data : null;
  };

/** Reads filters from a query string; anything unknown or malformed is dropped, never sent on. */
export function filtersFromParams(params: URLSearchParams): FleetFilters {
  const sort = ContainerSort.safeParse(params.get('sort'));
  const order = params.get('order');
  return {
    host: csvOf(params.get('host'), (s) => (HOST_ID.test(s) ? s : null)),
    state: csvOf(params.get('state'), enumParser(ContainerState)),
    health: csvOf(params.get('health'), enumParser(Health)),
    status: csvOf(params.get('status'), enumParser(StatusClass)),
    q: (params.get('q') ?? '').slice(0, 256),
    sort: sort.success ? sort.data : 'status',
    order: order === 'desc' ? 'desc' : 'asc',
  };
}

/** Only what differs from the default, so the plain Fleet URL stays `/fleet`. */
export function filtersToParams(f: FleetFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.host.length) p.set('host', f.host.join(','));
  if (f.state.length) p.set('state', f.state.join(','));
  if (f.health.length) p.set('health', f.health.join(','));
  if (f.status.length) p.set('status', f.status.join(','));
  if (f.q.trim()) p.set('q', f.q.trim());
  if (f.sort !== 'status') p.set('sort', f.sort);
  if (f.order !== 'asc') p.set('order', f.order);
  return p;
}

/** The server's query parameters for these filters. */
export function filtersToQuery(f: FleetFilters): Record<string, string | undefined> {
  return {
    host: f.host.join(',') || undefined,
    state: f.state.join(',') || undefined,
    health: f.health.join(',') || undefined,
    status: f.status.join(',') || undefined,
    q: f.q.trim() || undefined,
    sort: f.sort,
    order: f.order,
  };
}

/** True when the list shows a subset of the fleet (sorting alone does not count). */
export function isFiltered(f: FleetFilters): boolean {
  return Boolean(f.host.length || f.state.length || f.health.length || f.status.length || f.q.trim());
}

/** The same rule as the server (the contract's containerMatcher). */
export function matchesFilters(c: ContainerSummary, f: FleetFilters): boolean {
  return containerMatcher(f)(c);
}

export function sortContainers(
  items: readonly ContainerSummary[],
  f: Pick<FleetFilters, 'sort' | 'order'>,
  hostLabel: HostLabelOf,
): ContainerSummary[] {
  return [...items].sort(compareContainers(f.sort, f.order, hostLabel));
}

function mergeSorted<T>(a: readonly T[], b: readonly T[], cmp: (x: T, y: T) => number): T[] {
  if (b.length === 0) return [...a];
  const out: T[] = new Array<T>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = cmp(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

export type ContainerPatch =
  | { type: 'containers.upsert'; hostId: string; items: ContainerSummary[] }
  | { type: 'containers.remove'; hostId: string; ids: string[] }
  | { type: 'containers.replace'; hostId: string; items: ContainerSummary[] }
  | { type: 'host.removed'; hostId: string };

/**
 * Applies one live-stream message to a cached list for `filters`: drops what changed, re-adds
 * what still matches, and re-sorts, so the list looks exactly as if it had been fetched again.
 * Header counts are fleet-wide: exact for an unfiltered list (it holds the whole fleet); for a
 * filtered one only changes to containers it holds are known, so the caller refetches it soon.
 */
export function applyContainerPatch(
  list: ContainerList,
  patch: ContainerPatch,
  filters: FleetFilters,
  hostLabel: HostLabelOf,
): ContainerList {
  // Ids on patch.hostId that leave the list (to be re-added if they still match).
  const removed = new Set<string>();
  let incoming: ContainerSummary[] = [];
  switch (patch.type) {
    case 'containers.upsert':
      incoming = patch.items.filter((c) => c.hostId === patch.hostId);
      for (const c of incoming) removed.add(c.id);
      break;
    case 'containers.remove':
      for (const id of patch.ids) removed.add(id);
      break;
    case 'containers.replace':
      incoming = patch.items.filter((c) => c.hostId === patch.hostId);
      break;
    case 'host.removed':
      break;
  }
  const wholeHost = patch.type === 'containers.replace' || patch.type === 'host.removed';
  const gone = (c: ContainerSummary) => c.hostId === patch.hostId && (wholeHost || removed.has(c.id));

  const kept: ContainerSummary[] = [];
  const dropped: ContainerSummary[] = [];
  for (const c of list.items) (gone(c) ? dropped : kept).push(c);
  if (dropped.length === 0 && incoming.length === 0) return list;

  const added = incoming.filter(containerMatcher(filters));
  // The cached list is already sorted: sort the few new rows and merge, O(n) per message instead of
  // re-sorting 10k rows for every event while a host resyncs.
  const items = mergeSorted(
    kept,
    sortContainers(added, filters, hostLabel),
    compareContainers(filters.sort, filters.order, hostLabel),
  );

  let counts = list.counts;
  if (!isFiltered(filters)) {
    counts = countStatuses(items);
  } else {
    // Known changes only: a container this list did not hold may have been counted already.
    const next = { ...counts };
    const before = new Set(dropped.map((c) => c.id));
    for (const c of dropped) next[c.status] -= 1;
    for (const c of incoming) if (before.has(c.id)) next[c.status] += 1;
    counts = { red: Math.max(0, next.red), amber: Math.max(0, next.amber), green: Math.max(0, next.green) };
  }
  const truncated = Math.max(0, list.total - list.items.length);
  return { items, total: items.length + truncated, counts };
}

/**
 * Live patches seen recently, numbered. A list request that was in flight while some arrived may
 * have been answered before them; re-applying them, in order, to that answer brings it up to date
 * (each patch is a snapshot of the containers it names, so re-applying one is harmless).
 */
export class PatchLog {
  private seq = 0;
  private readonly entries: { seq: number; patch: ContainerPatch }[] = [];

  constructor(private readonly max = 5_000) {}

  get position(): number {
    return this.seq;
  }

  record(patch: ContainerPatch): void {
    this.entries.push({ seq: ++this.seq, patch });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  /** Patches recorded after `position`, oldest first; null when some of them were already dropped. */
  since(position: number): ContainerPatch[] | null {
    const first = this.entries[0];
    if (first && first.seq > position + 1) return null;
    return this.entries.filter((e) => e.seq > position).map((e) => e.patch);
  }
}
