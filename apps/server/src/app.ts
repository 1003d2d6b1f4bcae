import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SESSION_COOKIE } from '@airlock/contract/auth';
import { allEndpoints } from '@airlock/contract/catalog';
import type { ServerConfig } from '@airlock/contract/config';
import type { Store } from './db/db';
import { errorHandling } from './http/error-handler';
import { securityHeaders } from './http/headers';
import { createHttpServer } from './http/server';
import { webAssets } from './http/web-assets';
import { RouteTable } from './lib/route';
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
  gatewayMain,
  sessionsModule,
  type SessionsGateway,
  type SessionsModuleDeps,
  type SessionsService,
} from './modules/sessions/sessions.module';
import { conflict, UserError } from './lib/errors';

export const VERSION = '0.1.0';

export interface AppDeps {
  config: ServerConfig;
  home: string;
  store: Store;
  masterKey: Buffer;
  /** Built web assets; default apps/web/dist next to this package. */
  webRoot?: string;
  logger?: boolean | object;
  /** Fleet timing overrides (tests make reconnects and staleness fast). */
  fleet?: FleetOptions;
  /**
   * Least time between two push reports of one host, as a fraction of its interval (default 0.5).
   * Tests and the ingest benchmark that post back to back set 0; one report in flight per host
   * holds regardless.
   */
  ingestSpacing?: number;
  /** Live-socket re-check overrides (tests shorten the interval). */
  liveSockets?: { intervalMs?: number };
  /** The push-agent script served at /agent/airlock-agent.sh; default agent/ at the repo root. */
  agentScript?: string;
  /**
   * argv of the egress gateway process; default the built apps/gateway/dist/main.js beside this
   * server. null: no gateway (sealed sessions refuse to start; health says `disabled`).
   */
  gatewayCommand?: string[] | null;
  /** Sandbox runtimes (tests may hand in their own); default docker and bubblewrap. */
  runtimes?: SessionsModuleDeps['runtimes'];
}

export interface App {
  fastify: FastifyInstance;
  routes: RouteTable;
  services: {
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
  };
}

// Both apps/server/src/app.ts (tsx) and the bundle apps/server/dist/main.js sit two levels below apps/.
const here = () => path.dirname(fileURLToPath(import.meta.url));
const defaultWebRoot = () => path.resolve(here(), '../../web/dist');
const defaultAgentScript = () => path.resolve(here(), '../../../agent/airlock-agent.sh');

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, home, store } = deps;
  const fastify = await createHttpServer(config, deps.logger);
  securityHeaders(fastify);
  errorHandling(fastify, config.bodyLimit);

  const warn = (msg: string, err: unknown) => fastify.log.warn({ err }, msg);
  const db = store.db;
  // Each module builds its own repos behind its face (<domain>.module.ts); what one module needs
  // of another is handed in here, typed by the needing module's own port.
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
    profiles: {
      resolve: async (ref) => {
        const p = await profiles.service.get(ref).catch((err: unknown) => {
          if (err instanceof UserError && err.status === 404) return null;
          throw err;
        });
        return (
          p && {
            id: p.id,
            name: p.name,
            runtime: p.runtime,
            image: p.image,
            limits: p.effectiveLimits,
            routes: p.routes,
          }
        );
      },
      onChange: (listener) => {
        profiles.service.onChange((c) => {
          if (c.type === 'updated') listener(c.profile.id);
        });
      },
    },
    credentials: credentials.service,
    sensitive: {
      sensitiveSecrets: async () => [
        ...(await credentials.service.allValues()).map((c) => ({ ...c, name: `credential:${c.name}` })),
        ...(await hosts.service.vaultSecrets()),
      ],
      onChange: (listener) => {
        credentials.service.onVaultChange(listener);
        hosts.service.onVaultChange(listener);
      },
    },
    gatewayCommand:
      deps.gatewayCommand === undefined ? [process.execPath, gatewayMain(here())] : deps.gatewayCommand,
    ...(deps.runtimes ? { runtimes: deps.runtimes } : {}),
    log: { info: (msg) => fastify.log.info(msg), warn: (msg, err) => fastify.log.warn({ err }, msg) },
  });
  // A profile that running sessions use stays until they are removed.
  profiles.service.onBeforeRemove(async (p) => {
    const live = await sessions.service.liveForProfile(p.id);
    if (live.length)
      throw conflict(
        `Profile "${p.name}" is used by ${live.length} session(s) (${live.join(', ')}); remove them first.`,
      );
  });
  fastify.addHook('onClose', () => sessions.gateway.stop());
  fastify.addHook('onClose', () => fleet.service.stop());
  fastify.addHook('onClose', () => auth.liveSockets.stop());
  auth.hostRequests.start();
  fastify.addHook('onClose', () => auth.hostRequests.stop());

  fastify.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/'))
      req.auth = await auth.service.resolve({
        authorization: req.headers.authorization,
        sessionCookie: req.cookies[SESSION_COOKIE],
      });
  });

  const routes = new RouteTable(
    fastify,
    config.publicUrl ? new URL(config.publicUrl).host : null,
    (socket, credential, guard) => auth.liveSockets.track(socket, credential, guard),
    allEndpoints(),
  );
  for (const m of [
    systemModule({ store, version: VERSION, gatewayHealth: () => sessions.gateway.health() }),
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
  ])
    m.register(routes);

  await webAssets(
    fastify,
    routes,
    deps.webRoot ?? defaultWebRoot(),
    deps.agentScript ?? defaultAgentScript(),
  );

  await fleet.service.start();
  // The gateway comes up in the background; sessions find out through onUp (and re-send policies).
  sessions.gateway.start?.();
  await sessions.service.reconcile().catch((err: unknown) => warn('reconciling sessions failed', err));
  return {
    fastify,
    routes,
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
  };
}
