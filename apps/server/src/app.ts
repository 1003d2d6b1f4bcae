import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SESSION_COOKIE } from '@airlock/contract/auth';
import { allEndpoints } from '@airlock/contract/catalog';
import type { ServerConfig } from '@airlock/contract/config';
import type { ErrorBody } from '@airlock/contract/errors';
import type { Store } from './db/db';
import { AppError, InternalError, UpstreamError, publicMessage } from './lib/errors';
import { parseJsonBody, parsePlainJson } from './lib/json';
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
  };
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Mantine injects style tags at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

// Both apps/server/src/app.ts (tsx) and the bundle apps/server/dist/main.js sit two levels below apps/.
const here = () => path.dirname(fileURLToPath(import.meta.url));
const defaultWebRoot = () => path.resolve(here(), '../../web/dist');
const defaultAgentScript = () => path.resolve(here(), '../../../agent/airlock-agent.sh');

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, home, store } = deps;
  const fastify = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
        remove: true,
      },
    },
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    bodyLimit: config.bodyLimit,
    routerOptions: { maxParamLength: 512 },
    // URLs the router itself refuses (undecodable, a path segment over 512 characters) still get the
    // one error shape, with a correlation id.
    frameworkErrors: (err, req, rawReply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const reply = rawReply as FastifyReply;
      void reply
        .code(tooLong ? 414 : 400)
        .header('x-correlation-id', req.id)
        .send({
          code: 'validation_failed',
          message: tooLong
            ? 'A path segment is longer than the 512 characters allowed.'
            : 'The URL is not valid (a path segment could not be decoded).',
          correlationId: req.id,
        });
    },
  });

  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      const plain = (req.routeOptions.config as { plainJsonBody?: boolean } | undefined)?.plainJsonBody;
      done(null, plain ? parsePlainJson(body as string) : parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  await fastify.register(cookie);
  await fastify.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  const webRoot = deps.webRoot ?? defaultWebRoot();
  await fastify.register(fastifyStatic, { root: webRoot, serve: false });

  fastify.decorateRequest('auth', null);
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

  fastify.addHook('onRequest', async (req, reply) => {
    reply.header('x-correlation-id', req.id);
    if (req.url.startsWith('/api/'))
      req.auth = await auth.resolve({
        authorization: req.headers.authorization,
        sessionCookie: req.cookies[SESSION_COOKIE],
      });
  });
  fastify.addHook('onSend', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', CSP);
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  fastify.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    let body: ErrorBody;
    let status: number;
    if (err instanceof AppError) {
      status = err.status;
      const internal = err instanceof InternalError;
      body = {
        code: err.code,
        message: publicMessage(err, req.id),
        correlationId: req.id,
        ...(err.details !== undefined && !internal ? { details: err.details } : {}),
      };
      if (err instanceof UpstreamError) {
        body.details = {
          upstream: err.upstream,
          ...(typeof err.details === 'object' && err.details ? err.details : {}),
        };
        req.log.warn({ err, upstream: err.upstream }, 'upstream failed');
      } else if (status >= 500) req.log.error({ err }, 'internal error');
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = {
        code: 'payload_too_large',
        message: `Body is larger than the ${req.routeOptions.bodyLimit ?? config.bodyLimit} bytes allowed here.`,
        correlationId: req.id,
      };
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      body = {
        code: 'validation_failed',
        message: 'Send the body as application/json.',
        correlationId: req.id,
      };
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      body = { code: 'validation_failed', message: err.message, correlationId: req.id };
    } else {
      status = 500;
      req.log.error({ err }, 'unhandled error');
      body = {
        code: 'internal',
        message: `Internal error; quote correlation id ${req.id} when reporting it.`,
        correlationId: req.id,
      };
    }
    return reply.code(status).send(body);
  });

  fastify.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      code: 'not_found',
      message: `No route ${req.method} ${req.url.split('?')[0]}.`,
      correlationId: req.id,
    }),
  );

  const routes = new RouteTable(
    fastify,
    config.publicUrl ? new URL(config.publicUrl).host : null,
    null,
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
  fleetRoutes(routes, fleet, hosts);

  const agentScript = deps.agentScript ?? defaultAgentScript();
  routes.raw(
    'GET',
    '/agent/airlock-agent.sh',
    'The push-agent script, for the install line.',
    async (_req, reply) => {
      if (!existsSync(agentScript)) {
        return reply.code(404).type('text/plain').send('The agent script is not part of this install.');
      }
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await readFile(agentScript, 'utf8'));
    },
  );

  routes.raw(
    'GET',
    '/*',
    'The web app: static assets, index.html for client-side routes.',
    async (req, reply) => {
      const urlPath = decodeURIComponent(req.url.split('?')[0] ?? '/');
      if (urlPath.startsWith('/api/')) {
        return reply
          .code(404)
          .send({ code: 'not_found', message: `No route GET ${urlPath}.`, correlationId: req.id });
      }
      if (!existsSync(path.join(webRoot, 'index.html'))) {
        return reply
          .code(503)
          .type('text/plain')
          .send('The web UI is not built. Run `npm run build` (or `npm start`, which builds).');
      }
      const rel = path.normalize(urlPath).replace(/^([/\\])+/, '');
      const file = path.join(webRoot, rel);
      if (rel && file.startsWith(webRoot + path.sep) && existsSync(file) && !rel.endsWith('/')) {
        const immutable = rel.startsWith('assets/');
        return reply.sendFile(rel, { maxAge: immutable ? 31_536_000_000 : 0, immutable });
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    },
  );

  await fleet.start();
  return { fastify, routes, services: { audit, auth, setup, users, tokens, hub, hosts, fleet } };
}
