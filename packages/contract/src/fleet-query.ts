import type {
  ContainerList,
  ContainerListQuery,
  ContainerSort,
  ContainerSummary,
  StatusClass,
} from './fleet';

/**
 * The one fleet query: which containers match a filter and in what order, shared by the server
 * (`GET /api/containers`) and the web app (the live list it patches from the stream), so the CLI
 * and the browser always list the same rows in the same order. Pure.
 */

/** The filter part of a list query (the web keeps the same fields in the URL). */
export type ContainerFilter = Pick<ContainerListQuery, 'host' | 'state' | 'health' | 'status' | 'q'>;

export type HostLabelOf = (hostId: string) => string;

const STATUS_RANK: Record<StatusClass, number> = { red: 0, amber: 1, green: 2 };
/** Case- and accent-insensitive, digits by value ("web-2" before "web-10"), the same everywhere. */
const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** Case-insensitive substring of name, image, or a label key or value. `q` is already lower-cased. */
function matchesText(c: ContainerSummary, q: string): boolean {
  if (c.name.toLowerCase().includes(q) || c.image.toLowerCase().includes(q)) return true;
  for (const k in c.labels) {
    if (k.toLowerCase().includes(q) || (c.labels[k] ?? '').toLowerCase().includes(q)) return true;
  }
  return false;
}

/** Builds the match test once per query (sets and the lower-cased text), then applies it per row. */
export function containerMatcher(f: ContainerFilter): (c: ContainerSummary) => boolean {
  const hosts = f.host?.length ? new Set<string>(f.host) : null;
  const states = f.state?.length ? new Set<string>(f.state) : null;
  const healths = f.health?.length ? new Set<string>(f.health) : null;
  const statuses = f.status?.length ? new Set<string>(f.status) : null;
  const text = f.q?.trim().toLowerCase() || null;
  return (c) =>
    !(hosts && !hosts.has(c.hostId)) &&
    !(states && !states.has(c.state)) &&
    !(healths && !healths.has(c.health)) &&
    !(statuses && !statuses.has(c.status)) &&
    !(text && !matchesText(c, text));
}

/** Paused containers keep their uptime; others (exited, created…) have none and sort last. */
function startedMs(c: ContainerSummary): number | null {
  if ((c.state !== 'running' && c.state !== 'paused') || !c.startedAt) return null;
  const t = Date.parse(c.startedAt);
  return Number.isNaN(t) ? null : t;
}

/**
 * The order of a list. Ties go by name, then host, then id, so the order is total: the same rows
 * come out in the same order whatever order they went in, and a `limit` cuts at the same place.
 */
export function compareContainers(
  sort: ContainerSort,
  order: 'asc' | 'desc',
  hostLabel: HostLabelOf,
): (a: ContainerSummary, b: ContainerSummary) => number {
  const dir = order === 'desc' ? -1 : 1;
  const tie = (a: ContainerSummary, b: ContainerSummary) =>
    collator.compare(a.name, b.name) ||
    collator.compare(a.hostId, b.hostId) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const primary = (a: ContainerSummary, b: ContainerSummary): number => {
    switch (sort) {
      case 'status':
        return STATUS_RANK[a.status] - STATUS_RANK[b.status];
      case 'name':
        return collator.compare(a.name, b.name);
      case 'host':
        return collator.compare(hostLabel(a.hostId), hostLabel(b.hostId));
      case 'image':
        return collator.compare(a.image, b.image);
      case 'state':
        return collator.compare(a.state, b.state);
      case 'restarts':
        return a.restartCount - b.restartCount;
      case 'uptime':
        return 0; // handled below
    }
  };
  return (a, b) => {
    if (a === b) return 0;
    if (sort === 'uptime') {
      const sa = startedMs(a);
      const sb = startedMs(b);
      // Containers without an uptime go last in both orders.
      if (sa === null || sb === null) return sa === sb ? tie(a, b) : sa === null ? 1 : -1;
      // A later start is a shorter uptime: ascending uptime is descending start time.
      return (sb - sa) * dir || tie(a, b);
    }
    return primary(a, b) * dir || tie(a, b);
  };
}

export function countStatuses(items: Iterable<ContainerSummary>): ContainerList['counts'] {
  const counts = { red: 0, amber: 0, green: 0 };
  for (const c of items) counts[c.status] += 1;
  return counts;
}

/**
 * Filters, sorts and limits one snapshot of the fleet. Default order: red, amber, green, then by
 * name. `counts` are over the whole fleet (the header), `total` is the matches before `limit`.
 */
export function queryContainers(
  all: Iterable<ContainerSummary>,
  q: ContainerListQuery,
  hostLabel: HostLabelOf,
): ContainerList {
  const counts = { red: 0, amber: 0, green: 0 };
  const matches = containerMatcher(q);
  const out: ContainerSummary[] = [];
  for (const c of all) {
    counts[c.status]++;
    if (matches(c)) out.push(c);
  }
  out.sort(compareContainers(q.sort, q.order, hostLabel));
  return { items: out.length > q.limit ? out.slice(0, q.limit) : out, total: out.length, counts };
}
