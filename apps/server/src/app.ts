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
import { StreamHub } from './modules/stream/stream.hub';
import { streamRoutes } from './modules/stream/stream.routes';
import { AuditRepo } from './modules/audit/audit.repo';
import { AuditService } from './modules/audit/audit.service';
import { auditRoutes } from './modules/audit/audit.routes';
import { UsersRepo } from './modules/users/users.repo';
import { UsersService } from './modules/users/users.service';
import { usersRoutes } from './modules/users/users.routes';
import { SessionsRepo } from './modules/auth/sessions.repo';
import { AuthService } from './modules/auth/auth.service';
import { authRoutes } from './modules/auth/auth.routes';
import { LiveSockets } from './modules/auth/live-sockets';
import { TokensRepo } from './modules/tokens/tokens.repo';
import { TokensService } from './modules/tokens/tokens.service';
import { tokensRoutes } from './modules/tokens/tokens.routes';
import { SetupService } from './modules/setup/setup.service';
import { setupRoutes } from './modules/setup/setup.routes';
import { systemRoutes } from './modules/system/system.routes';
import { Vault } from './lib/vault';
import { HostsRepo } from './modules/hosts/hosts.repo';
import { HostsService } from './modules/hosts/hosts.service';
import { hostsRoutes } from './modules/hosts/hosts.routes';
import { FleetService, type FleetOptions } from './modules/fleet/fleet.service';
import { fleetRoutes } from './modules/fleet/fleet.routes';
import { IngestGate } from './modules/fleet/ingest.gate';

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

  const hub = new StreamHub();
  const audit = new AuditService(new AuditRepo(store.db), deps.masterKey, path.join(home, 'audit.head'), hub);
  const usersRepo = new UsersRepo(store.db);
  const sessionsRepo = new SessionsRepo(store.db);
  const tokensRepo = new TokensRepo(store.db);
  const auth = new AuthService(usersRepo, sessionsRepo, tokensRepo, audit, config);
  const users = new UsersService(usersRepo, sessionsRepo, audit);
  const tokens = new TokensService(tokensRepo, audit);
  const setup = new SetupService(store.db, path.join(home, 'setup-token'), audit);
  const hostsRepo = new HostsRepo(store.db);
  const hosts = new HostsService(hostsRepo, new Vault(deps.masterKey), audit);
  const fleet = new FleetService(hosts, hostsRepo, hub, audit, {
    warn: (msg, err) => fastify.log.warn({ err }, msg),
    ...deps.fleet,
  });
  fastify.addHook('onClose', () => fleet.stop());

  fastify.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/'))
      req.auth = await auth.resolve({
        authorization: req.headers.authorization,
        sessionCookie: req.cookies[SESSION_COOKIE],
      });
  });

  const liveSockets = new LiveSockets(auth, {
    afterUnlockMs: config.session.shellAfterUnlockMinutes * 60_000,
    warn: (msg, err) => fastify.log.warn({ err }, msg),
    ...deps.liveSockets,
  });
  fastify.addHook('onClose', () => liveSockets.stop());

  const routes = new RouteTable(
    fastify,
    config.publicUrl ? new URL(config.publicUrl).host : null,
    (socket, credential, guard) => liveSockets.track(socket, credential, guard),
    allEndpoints(),
  );
  systemRoutes(routes, store, VERSION);
  setupRoutes(routes, setup, auth);
  authRoutes(routes, auth);
  usersRoutes(routes, users);
  tokensRoutes(routes, tokens);
  auditRoutes(routes, audit);
  streamRoutes(routes, hub);
  hostsRoutes(routes, hosts, config.publicUrl);
  fleetRoutes(routes, fleet, hosts, new IngestGate({ spacing: deps.ingestSpacing }));

  await webAssets(
    fastify,
    routes,
    deps.webRoot ?? defaultWebRoot(),
    deps.agentScript ?? defaultAgentScript(),
  );

  await fleet.start();
  return { fastify, routes, services: { audit, auth, setup, users, tokens, hub, hosts, fleet, liveSockets } };
}
