import { connectLocalEngine, connectSshEngine } from '../../adapters/engine.connect';
import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { AuditService } from '../audit/audit.module';
import type { HostsService } from '../hosts/hosts.module';
import type { StreamHub } from '../stream/stream.module';
import { fleetRoutes } from './fleet.routes';
import { ingestRoutes } from './ingest.routes';
import { FleetService, type FleetOptions } from './fleet.service';
import { DownloadGate } from './download.gate';
import { IngestGate } from './ingest.gate';
import { SnapshotsRepo } from './snapshots.repo';
import { describeContainer } from './inspect';

export { FleetService, type FleetOptions } from './fleet.service';

export interface FleetDeps {
  db: Db;
  hosts: HostsService;
  hub: StreamHub;
  audit: AuditService;
  options: FleetOptions;
  /** Push-report spacing as a fraction of the host's interval (IngestGate). */
  ingestSpacing?: number;
}

/** Every container on every host, live; actions, logs, shell and push ingest. */
export function fleetModule(deps: FleetDeps): Module<FleetService> {
  const service = new FleetService(
    deps.hosts,
    new SnapshotsRepo(deps.db),
    deps.hub,
    deps.audit,
    // The module's one door to the adapters: engines are reached through these.
    {
      local: (hostId, socketPath) => connectLocalEngine(hostId, socketPath, describeContainer),
      ssh: (hostId, target, socketPath) => connectSshEngine(hostId, target, socketPath, describeContainer),
    },
    deps.options,
  );
  const gate = new IngestGate({ spacing: deps.ingestSpacing });
  const downloads = new DownloadGate();
  return {
    service,
    register: (routes) => {
      fleetRoutes(routes, service, downloads);
      ingestRoutes(routes, service, deps.hosts, gate);
    },
  };
}
