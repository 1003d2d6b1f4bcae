import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import { Vault } from '../../lib/vault';
import type { AuditService } from '../audit/audit.module';
import { HostsRepo } from './hosts.repo';
import { hostsRoutes } from './hosts.routes';
import { HostsService } from './hosts.service';

export { HostsService, pendingView, type HostRuntimeView, type HostWatcher } from './hosts.service';
export {
  pendingStatus,
  type AgentConfig,
  type HostRecord,
  type LocalConfig,
  type SshConfig,
  type SshSecrets,
} from './hosts.model';

export interface HostsDeps {
  db: Db;
  masterKey: Buffer;
  audit: AuditService;
  publicUrl: string | undefined;
}

/** The host records (what to watch and how to reach it); SSH secrets sealed in the vault. */
export function hostsModule(deps: HostsDeps): Module<HostsService> {
  const service = new HostsService(new HostsRepo(deps.db), new Vault(deps.masterKey), deps.audit);
  return { service, register: (routes) => hostsRoutes(routes, service, deps.publicUrl) };
}
