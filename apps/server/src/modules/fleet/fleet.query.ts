import type {
  ContainerDetail,
  ContainerList,
  ContainerListQuery,
  ContainerSummary,
  StatusClass,
} from '@airlock/contract/fleet';

/** The list-row fields of a container (what the stream and `GET /api/containers` carry). */
export function toSummary(d: ContainerDetail): ContainerSummary {
  return {
    hostId: d.hostId,
    id: d.id,
    name: d.name,
    image: d.image,
    state: d.state,
    health: d.health,
    status: d.status,
    statusReason: d.statusReason,
    exitCode: d.exitCode,
    oomKilled: d.oomKilled,
    restartCount: d.restartCount,
    startedAt: d.startedAt,
    createdAt: d.createdAt,
    labels: d.labels,
    ports: d.ports,
  };
}

const STATUS_RANK: Record<StatusClass, number> = { red: 0, amber: 1, green: 2 };
const byName = (a: ContainerSummary, b: ContainerSummary) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0;

function matchesText(c: ContainerSummary, q: string): boolean {
  if (c.name.toLowerCase().includes(q) || c.image.toLowerCase().includes(q)) return true;
  for (const k in c.labels) {
    if (k.toLowerCase().includes(q) || (c.labels[k] ?? '').toLowerCase().includes(q)) return true;
  }
  return false;
}

/**
 * Filters and sorts one snapshot of the fleet. Pure. `hostLabel` resolves a host id to its label for
 * the `host` sort. Default order: red, amber, green, then by name — red is always on top unless the
 * caller asks for another sort.
 */
export function queryContainers(
  all: Iterable<ContainerSummary>,
  q: ContainerListQuery,
  hostLabel: (id: string) => string,
): ContainerList {
  const counts = { red: 0, amber: 0, green: 0 };
  const hosts = q.host?.length ? new Set(q.host) : null;
  const states = q.state?.length ? new Set<string>(q.state) : null;
  const healths = q.health?.length ? new Set<string>(q.health) : null;
  const statuses = q.status?.length ? new Set<string>(q.status) : null;
  const text = q.q?.trim().toLowerCase() || null;
  const out: ContainerSummary[] = [];
  for (const c of all) {
    counts[c.status]++;
    if (hosts && !hosts.has(c.hostId)) continue;
    if (states && !states.has(c.state)) continue;
    if (healths && !healths.has(c.health)) continue;
    if (statuses && !statuses.has(c.status)) continue;
    if (text && !matchesText(c, text)) continue;
    out.push(c);
  }
  const dir = q.order === 'desc' ? -1 : 1;
  let cmp: (a: ContainerSummary, b: ContainerSummary) => number;
  switch (q.sort) {
    case 'status':
      cmp = (a, b) => (STATUS_RANK[a.status] - STATUS_RANK[b.status]) * dir || byName(a, b);
      break;
    case 'name':
      cmp = (a, b) => byName(a, b) * dir;
      break;
    case 'host':
      cmp = (a, b) => hostLabel(a.hostId).localeCompare(hostLabel(b.hostId)) * dir || byName(a, b);
      break;
    case 'image':
      cmp = (a, b) => a.image.localeCompare(b.image) * dir || byName(a, b);
      break;
    case 'state':
      cmp = (a, b) => a.state.localeCompare(b.state) * dir || byName(a, b);
      break;
    case 'uptime': {
      // Longest-running first in "asc" would read oddly; asc = shortest uptime first (latest start).
      const t = (c: ContainerSummary) =>
        c.state === 'running' && c.startedAt ? Date.parse(c.startedAt) : -Infinity;
      cmp = (a, b) => (t(b) - t(a)) * dir || byName(a, b);
      break;
    }
    case 'restarts':
      cmp = (a, b) => (a.restartCount - b.restartCount) * dir || byName(a, b);
      break;
  }
  out.sort(cmp);
  return { items: out.length > q.limit ? out.slice(0, q.limit) : out, total: out.length, counts };
}
