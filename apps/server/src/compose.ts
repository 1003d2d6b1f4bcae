// The module graph: every module built once, in dependency order, each handed what it needs of the
// others through its own ports (adapters in wiring.ts). No HTTP here: app.ts registers the routes
// and runs the lifecycle.
import path from 'node:path';
import type { ServerConfig } from '@airlock/contract/config';
import type { Store } from './db/db';
import type { RouteTable } from './lib/route';
import { streamModule, type StreamHub } from './modules/stream/stream.module';
import { auditModule, type AuditService } from './modules/audit/audit.module';
import { usersModule, type UsersService } from './modules/users/users.module';
import { authModule, type AuthService, type LiveSockets } from './modules/auth/auth.module';
import { tokensModule, type TokensService } from './modules/tokens/tokens.module';
import { setupModule, type SetupService } from './modules/setup/setup.module';
import { systemModule } from './modules/system/system.module';
import { hostsModule, type HostsService } from './modules/hosts/hosts.module';
import { fleetModule, type FleetOptions, type FleetService } from './modules/fleet/fleet.module';
import { credentialsModule, type CredentialsService } from './modules/credentials/credentials.module';
import { profilesModule, type ProfilesService } from './modules/profiles/profiles.module';
import {
  sessionsModule,
  type SessionsGateway,
  type SessionsModuleDeps,
  type SessionsService,
} from './modules/sessions/sessions.module';
import { keepProfilesInUse, profileSource, sensitiveSource } from './wiring';

export interface ComposeDeps {
  config: ServerConfig;
  home: string;
  store: Store;
  masterKey: Buffer;
  version: string;
  fleet?: FleetOptions;
  ingestSpacing?: number;
  liveSockets?: { intervalMs?: number };
  /** argv of the gateway process, already defaulted; null: no gateway. */
  gatewayCommand: string[] | null;
  runtimes?: SessionsModuleDeps['runtimes'];
  log: { info(msg: string): void; warn(msg: string, err?: unknown): void };
}

export interface Services {
  audit: AuditService;
  auth: AuthService;
  setup: SetupService;
  users: UsersService;
  tokens: TokensService;
  hub: StreamHub;
  hosts: HostsService;
  fleet: FleetService;
  liveSockets: LiveSockets;
  credentials: CredentialsService;
  profiles: ProfilesService;
  sessions: SessionsService;
  gateway: SessionsGateway;
}

export interface Composition {
  services: Services;
  /** Every module's routes, in the order they are registered. */
  registerAll(routes: RouteTable): void;
  /** Background work that runs while the app is up (fleet connections, the gateway, reconcile). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function composeModules(deps: ComposeDeps): Composition {
  const { config, home, log } = deps;
  const db = deps.store.db;
  const warn = (msg: string, err?: unknown) => log.warn(msg, err);
  const stream = streamModule();
  const hub = stream.service;
  const audit = auditModule({ db, masterKey: deps.masterKey, headFile: path.join(home, 'audit.head'), hub });
  const tokens = tokensModule({ db, audit: audit.service });
  const users = usersModule({
    db,
    audit: audit.service,
    // Called only after start-up, when `auth` exists.
    sessions: { deleteForUser: (userId) => auth.sessions.deleteForUser(userId) },
  });
  const auth = authModule({
    db,
    config,
    home,
    masterKey: deps.masterKey,
    audit: audit.service,
    users: users.accounts,
    tokens: tokens.store,
    warn,
    ...(deps.liveSockets ? { liveSockets: deps.liveSockets } : {}),
  });
  const setup = setupModule({
    db,
    tokenFile: path.join(home, 'setup-token'),
    audit: audit.service,
    auth: auth.service,
  });
  const hosts = hostsModule({
    db,
    masterKey: deps.masterKey,
    audit: audit.service,
    publicUrl: config.publicUrl,
  });
  const fleet = fleetModule({
    db,
    hosts: hosts.service,
    hub,
    audit: audit.service,
    options: { warn, ...deps.fleet },
    ingestSpacing: deps.ingestSpacing,
  });
  const credentials = credentialsModule({
    db,
    masterKey: deps.masterKey,
    audit: audit.service,
    // Called only from a request, when `profiles` exists.
    usage: { profilesUsing: (credentialId) => profiles.service.profilesUsing(credentialId) },
  });
  const profiles = profilesModule({
    db,
    audit: audit.service,
    credentials: credentials.service,
    defaults: config.sessions,
    warn,
  });
  const sessions = sessionsModule({
    db,
    config,
    home,
    audit: audit.service,
    hub,
    profiles: profileSource(profiles.service),
    credentials: credentials.service,
    sensitive: sensitiveSource(credentials.service, hosts.service),
    gatewayCommand: deps.gatewayCommand,
    ...(deps.runtimes ? { runtimes: deps.runtimes } : {}),
    log,
  });
  keepProfilesInUse(profiles.service, sessions.service);
  const system = systemModule({
    store: deps.store,
    version: deps.version,
    gatewayHealth: () => sessions.gateway.health(),
  });

  const modules = [
    system,
    setup,
    auth,
    users,
    tokens,
    audit,
    stream,
    hosts,
    fleet,
    credentials,
    profiles,
    sessions,
  ];
  return {
    services: {
      audit: audit.service,
      auth: auth.service,
      setup: setup.service,
      users: users.service,
      tokens: tokens.service,
      hub,
      hosts: hosts.service,
      fleet: fleet.service,
      liveSockets: auth.liveSockets,
      credentials: credentials.service,
      profiles: profiles.service,
      sessions: sessions.service,
      gateway: sessions.gateway,
    },
    registerAll: (routes) => {
      for (const m of modules) m.register(routes);
    },
    async start() {
      auth.hostRequests.start();
      await fleet.service.start();
      // The gateway comes up in the background; sessions find out through onUp (and re-send policies).
      sessions.gateway.start?.();
      await sessions.service.reconcile().catch((err: unknown) => warn('reconciling sessions failed', err));
    },
    async stop() {
      await sessions.gateway.stop();
      await fleet.service.stop();
      auth.liveSockets.stop();
      auth.hostRequests.stop();
    },
  };
}
