import type { ContainerDetail, ContainerSummary } from '@airlock/contract/fleet';

// The filter and order are the contract's, shared with the web app, so both list the same rows.
export { queryContainers } from '@airlock/contract/fleet-query';

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
