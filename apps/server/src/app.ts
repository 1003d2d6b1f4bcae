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
import type { FleetOptions } from './modules/fleet/fleet.module';
import { gatewayMain, type SessionsModuleDeps } from './modules/sessions/sessions.module';
import { composeModules, type Services } from './compose';

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
  services: Services;
}

// Both apps/server/src/app.ts (tsx) and the bundle apps/server/dist/main.js sit two levels below apps/.
const here = () => path.dirname(fileURLToPath(import.meta.url));
const defaultWebRoot = () => path.resolve(here(), '../../web/dist');
const defaultAgentScript = () => path.resolve(here(), '../../../agent/airlock-agent.sh');

/** The HTTP app: the server, its hooks, every module's routes from one guarded table, the web assets. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, store } = deps;
  const fastify = await createHttpServer(config, deps.logger);
  securityHeaders(fastify);
  errorHandling(fastify, config.bodyLimit);

  const modules = composeModules({
    config,
    home: deps.home,
    store,
    masterKey: deps.masterKey,
    version: VERSION,
    fleet: deps.fleet,
    ingestSpacing: deps.ingestSpacing,
    liveSockets: deps.liveSockets,
    gatewayCommand:
      deps.gatewayCommand === undefined ? [process.execPath, gatewayMain(here())] : deps.gatewayCommand,
    runtimes: deps.runtimes,
    log: { info: (msg) => fastify.log.info(msg), warn: (msg, err) => fastify.log.warn({ err }, msg) },
  });
  const { auth, liveSockets } = modules.services;
  fastify.addHook('onClose', () => modules.stop());

  fastify.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/'))
      req.auth = await auth.resolve({
        authorization: req.headers.authorization,
        sessionCookie: req.cookies[SESSION_COOKIE],
      });
  });

  const routes = new RouteTable(
    fastify,
    config.publicUrl ? new URL(config.publicUrl).host : null,
    (socket, credential, guard) => liveSockets.track(socket, credential, guard),
    allEndpoints(),
  );
  modules.registerAll(routes);
  await webAssets(
    fastify,
    routes,
    deps.webRoot ?? defaultWebRoot(),
    deps.agentScript ?? defaultAgentScript(),
  );

  await modules.start();
  return { fastify, routes, services: modules.services };
}
