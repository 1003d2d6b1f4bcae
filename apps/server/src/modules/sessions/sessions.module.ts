import path from 'node:path';
import type { ServerConfig } from '@airlock/contract/config';
import { GatewayProcess, NoGateway } from '../../adapters/gateway.process';
import { BwrapRuntime } from '../../adapters/runtime.bwrap';
import { DockerRuntime } from '../../adapters/runtime.docker';
import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { AuditService } from '../audit/audit.module';
import type { StreamHub } from '../stream/stream.module';
import type { Gateway } from './gateway.port';
import type { CredentialSource, ProfileSource, SensitiveSource } from './policy.port';
import type { RuntimeKind, SandboxRuntime } from './runtime.port';
import { SessionsRepo } from './sessions.repo';
import { sessionsRoutes } from './sessions.routes';
import { SessionsService } from './sessions.service';

export { SessionsService, PLACEHOLDER } from './sessions.service';
export type { Gateway } from './gateway.port';
export type {
  CredentialSource,
  ProfileSource,
  SensitiveSecret,
  SensitiveSource,
  SessionCredential,
  SessionProfile,
} from './policy.port';

export interface SessionsModuleDeps {
  db: Db;
  config: ServerConfig;
  home: string;
  audit: AuditService;
  hub: StreamHub;
  profiles: ProfileSource;
  credentials: CredentialSource;
  /** Every vault secret, for the gateway's scan (see sensitive.ts). */
  sensitive: SensitiveSource;
  /** argv of the gateway process; null: no gateway (sessions refuse to start, health says disabled). */
  gatewayCommand: string[] | null;
  /** Tests may hand in their own runtimes. */
  runtimes?: Partial<Record<RuntimeKind, SandboxRuntime>>;
  log: { info(msg: string): void; warn(msg: string, err?: unknown): void };
}

/** Sealed sessions: sandboxes (runtime adapters) whose only way out is the gateway (a supervised process). */
/** The gateway as the app sees it: the port, plus start and (for tests) the process id. */
export type SessionsGateway = Gateway & { start?(): void; readonly pid?: number | null };

export function sessionsModule(deps: SessionsModuleDeps): Module<SessionsService> & {
  gateway: SessionsGateway;
} {
  const { config, home } = deps;
  const gateway =
    config.gateway.enabled && deps.gatewayCommand
      ? new GatewayProcess({
          home,
          command: deps.gatewayCommand,
          upstreamOverrides: config.gateway.upstreamOverrides,
          extraCaFile: config.gateway.extraCaFile,
          limits: config.gateway.limits,
          log: deps.log,
        })
      : new NoGateway(home);
  const runtimes = deps.runtimes ?? {
    docker: new DockerRuntime({ home }),
    bubblewrap: new BwrapRuntime({ home }),
  };
  const service = new SessionsService({
    repo: new SessionsRepo(deps.db),
    gateway,
    runtimes,
    profiles: deps.profiles,
    credentials: deps.credentials,
    sensitive: deps.sensitive,
    audit: deps.audit,
    hub: deps.hub,
    options: {
      home,
      defaultImage: config.sessions.image,
      execOutputBytes: config.sessions.execOutputBytes,
      execTimeoutMs: config.sessions.execTimeoutMs,
      warn: (msg, err) => deps.log.warn(msg, err),
    },
  });
  return { service, gateway, register: (routes) => sessionsRoutes(routes, service) };
}

/** Where the built gateway sits beside the server (src and dist are both two levels below apps/). */
export const gatewayMain = (serverDir: string) => path.resolve(serverDir, '../../gateway/dist/main.js');
