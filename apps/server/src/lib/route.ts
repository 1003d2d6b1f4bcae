import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import { CSRF_HEADER, Role, parseGuard, roleAtLeast, type Guard } from '@airlock/contract/auth';
import type { AnyEndpoint, HttpMethod } from '@airlock/contract/endpoint';
import { UserError, badRequest, forbidden, unauthenticated } from './errors';
import { safeEqual } from './crypto';
import { clientInfo, type ClientInfo } from './client-info';

/** Who is calling: a browser session (cookie) or an API token. */
export type AuthContext =
  | { kind: 'session'; user: AuthUser; sessionId: string; csrfToken: string; unlockedUntil: string | null }
  | { kind: 'token'; user: AuthUser; tokenId: string; unlockedUntil: string | null };
export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  /** Anything but false (a corrupt row) counts as set: fails closed like the role check. */
  mustChangePassword: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

type Schema = z.ZodType;
type Out<S> = S extends Schema ? z.output<S> : undefined;
/** Non-null on every endpoint that is not public: the guard has already refused anonymous callers. */
type AuthFor<G extends Guard> = G extends 'public' ? AuthContext | null : AuthContext;

export interface HandlerCtx<E extends AnyEndpoint> {
  req: FastifyRequest;
  reply: FastifyReply;
  /** Address, user agent and protocol of the caller, for services that must not see Fastify. */
  client: ClientInfo;
  params: Out<E['params']>;
  query: Out<E['query']>;
  body: Out<E['body']>;
  auth: AuthFor<E['guard']>;
}

/**
 * A handler that wrote the answer itself (`reply.send` with pre-serialised JSON, a stream) returns
 * this, so its return type still says "the endpoint's answer, or already sent".
 */
export const SENT: unique symbol = Symbol('already sent');

/** What a handler may return: the endpoint's answer, or SENT. */
type Result<E extends AnyEndpoint> = E['response'] extends Schema
  ? Out<E['response']> | typeof SENT
  : unknown;

/** Server-side options of one HTTP route (what the client never needs to know). */
export interface RouteOptions {
  /** Overrides the server-wide body limit for this route, in bytes. */
  bodyLimit?: number;
  /** Runs before the body is read (e.g. a public route's own credential check, so junk is not parsed). */
  onRequest?: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /**
   * The JSON body skips the generic nesting-depth and prototype-key scan (see `parsePlainJson`).
   * Only for a hot route with large bodies whose handler reads them solely through zod object
   * schemas (which never descend into values they do not describe and drop `__proto__` keys) and
   * never walks, copies or re-serialises the raw value.
   */
  plainJsonBody?: boolean;
  /**
   * The handler validates the body itself against the endpoint's body schema (with field-level
   * errors of its own); the table does not parse it a second time. `ctx.body` is then undefined and
   * the handler reads `req.body`.
   */
  bodyCheckedByHandler?: boolean;
}

export interface RouteEntry {
  /** `group.name` in the catalog; null for the web app's static routes. */
  name: string | null;
  method: HttpMethod;
  url: string;
  guard: Guard;
  summary: string;
  tags: readonly string[];
  websocket: boolean;
  params?: Schema;
  query?: Schema;
  body?: Schema;
  response?: Schema;
  status: number;
  /** The body skips the generic depth and prototype-key scan (RouteOptions.plainJsonBody). */
  plainJsonBody: boolean;
  bodyCheckedByHandler: boolean;
}

/** A live socket's credential as of the last re-check (current role, unlock window). */
export interface LiveAuth {
  readonly current: AuthContext;
}

/**
 * Told about every WebSocket a guard let through, so it can be closed when its credential ends or
 * no longer meets the guard (modules/auth/live-sockets.ts). Returns what the handler reads.
 */
export type SocketWatcher = (socket: WebSocket, auth: AuthContext | null, guard: Guard) => LiveAuth | null;

/** A WebSocket handler's context: what an HTTP handler gets, plus the credential kept current. */
export type SocketCtx<E extends AnyEndpoint> = HandlerCtx<E> & {
  live: E['guard'] extends 'public' ? LiveAuth | null : LiveAuth;
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Rejects cross-site requests that carry an Origin for a different host (browsers always send it). */
function checkOrigin(req: FastifyRequest, publicHost: string | null): void {
  const origin = req.headers.origin;
  if (!origin) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new UserError(403, 'csrf_failed', 'The request came from an unparsable Origin; it was refused.');
  }
  if (host !== req.headers.host && host !== publicHost) {
    throw new UserError(403, 'csrf_failed', `Cross-site request from ${origin} refused.`);
  }
}

/** Enforces a route's guard: authentication, role, CSRF (cookie sessions), unlock. */
export function enforceGuard(
  req: FastifyRequest,
  ep: Pick<AnyEndpoint, 'guard' | 'beforePasswordChange'>,
  isWebSocket = false,
  publicHost: string | null = null,
): void {
  const guard = ep.guard;
  const mutating = !SAFE_METHODS.has(req.method);
  if (mutating || isWebSocket) checkOrigin(req, publicHost);
  const { role, unlock } = parseGuard(guard);
  if (role === null) return;
  const auth = req.auth;
  if (!auth) throw unauthenticated();
  // Fails closed: a role that is not one of ours (a corrupt row) passes no check.
  if (!roleAtLeast(auth.user.role, role)) {
    const current = Role.safeParse(auth.user.role);
    throw forbidden(
      current.success
        ? `This needs the ${role} role; you are ${current.data}.`
        : `This needs the ${role} role; your account's role is not valid, ask an admin to set it again.`,
    );
  }
  if (auth.kind === 'session' && mutating) {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !safeEqual(sent, auth.csrfToken)) {
      throw new UserError(
        403,
        'csrf_failed',
        `Missing or wrong ${CSRF_HEADER} header; reload the page and try again.`,
      );
    }
  }
  // An admin-set password is the admin's, not the user's: until it is replaced it opens nothing
  // but the way to replace it (and sign-out), whatever the credential.
  if (auth.user.mustChangePassword !== false && !ep.beforePasswordChange) {
    throw new UserError(
      403,
      'password_change_required',
      'Choose a new password first (POST /api/auth/password with currentPassword and newPassword).',
    );
  }
  if (unlock && !(auth.unlockedUntil && Date.parse(auth.unlockedUntil) > Date.now())) {
    throw new UserError(
      403,
      'unlock_required',
      'This action is marked dangerous: unlock with your password first (POST /api/auth/unlock).',
    );
  }
}

function issuesOf(err: z.ZodError, where: string) {
  return err.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
}

function parsePart<S extends Schema | undefined>(schema: S, value: unknown, where: string): Out<S> {
  if (!schema) return undefined as Out<S>;
  // No body at all (`curl -X POST` without -d) is an empty object: accepted wherever the body has
  // no required field, and refused with the field that is missing otherwise.
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const issues = issuesOf(r.error, where);
    const first = issues[0];
    throw badRequest(first ? `${first.path}: ${first.message}` : `Invalid ${where}.`, issues);
  }
  return r.data as Out<S>;
}

function entryOf(name: string | null, ep: AnyEndpoint, opts: RouteOptions = {}): RouteEntry {
  return {
    name,
    method: ep.method,
    url: ep.path,
    guard: ep.guard,
    summary: ep.summary,
    tags: ep.tags,
    websocket: ep.kind === 'websocket',
    params: ep.params,
    query: ep.query,
    body: ep.body,
    response: ep.response,
    status: ep.status,
    plainJsonBody: opts.plainJsonBody === true,
    bodyCheckedByHandler: opts.bodyCheckedByHandler === true,
  };
}

/**
 * The one route table. Every route is registered through it against an endpoint of the catalog
 * (packages/contract), whose guard it enforces; `all()` feeds the OpenAPI document and the
 * guard-matrix test, which also checks Fastify serves no route outside it and every catalog
 * endpoint is served.
 */
export class RouteTable {
  private readonly entries: RouteEntry[] = [];
  private readonly names = new Map<AnyEndpoint, string>();

  /** `publicHost`: host of the configured public URL, accepted as an Origin besides the Host header. */
  constructor(
    private readonly app: FastifyInstance,
    private readonly publicHost: string | null = null,
    private readonly watchSocket: SocketWatcher | null = null,
    catalog: readonly { name: string; endpoint: AnyEndpoint }[] = [],
  ) {
    for (const c of catalog) this.names.set(c.endpoint, c.name);
  }

  all(): readonly RouteEntry[] {
    return this.entries;
  }

  private nameOf(ep: AnyEndpoint): string | null {
    return this.names.get(ep) ?? null;
  }

  add<E extends AnyEndpoint>(
    ep: E,
    handler: (ctx: HandlerCtx<E>) => Promise<Result<E>>,
    opts: RouteOptions = {},
  ): void {
    if (ep.kind === 'websocket') throw new Error(`${ep.path} is a WebSocket endpoint: register it with ws()`);
    this.entries.push(entryOf(this.nameOf(ep), ep, opts));
    this.app.route({
      method: ep.method,
      url: ep.path,
      ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
      // The guard runs first here too, so a route's own check never precedes Origin/auth refusals.
      ...(opts.onRequest
        ? {
            onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
              enforceGuard(req, ep, false, this.publicHost);
              await opts.onRequest!(req, reply);
            },
          }
        : {}),
      config: { guard: ep.guard, plainJsonBody: opts.plainJsonBody === true },
      handler: async (req, reply) => {
        enforceGuard(req, ep, false, this.publicHost);
        const ctx = {
          req,
          reply,
          client: clientInfo(req),
          auth: req.auth,
          params: parsePart(ep.params, req.params, 'params'),
          query: parsePart(ep.query, req.query, 'query'),
          body: opts.bodyCheckedByHandler ? undefined : parsePart(ep.body, req.body, 'body'),
        } as HandlerCtx<E>;
        const result = await handler(ctx);
        if (reply.sent || result === SENT) return reply;
        reply.code(ep.status);
        return result;
      },
    });
  }

  ws<E extends AnyEndpoint>(
    ep: E,
    handler: (socket: WebSocket, ctx: SocketCtx<E>) => void | Promise<void>,
  ): void {
    if (ep.kind !== 'websocket') throw new Error(`${ep.path} is not a WebSocket endpoint`);
    this.entries.push(entryOf(this.nameOf(ep), ep));
    this.app.route({
      method: 'GET',
      url: ep.path,
      config: { guard: ep.guard },
      // Plain GETs (no upgrade) are answered by the same guard, then told to upgrade.
      handler: (req, reply) => {
        enforceGuard(req, ep, true, this.publicHost);
        return reply.code(426).send({
          code: 'validation_failed',
          message: 'This endpoint speaks WebSocket only.',
          correlationId: req.id,
        });
      },
      preValidation: (req, _reply, done) => {
        try {
          enforceGuard(req, ep, true, this.publicHost);
          // Bad params/query are refused with a plain 400 before the upgrade, not a close code.
          parsePart(ep.params, req.params, 'params');
          parsePart(ep.query, req.query, 'query');
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      wsHandler: (socket, req) => {
        const auth = req.auth;
        const live = this.watchSocket ? this.watchSocket(socket, auth, ep.guard) : auth && { current: auth };
        const start = async () => {
          const ctx = {
            live,
            req,
            reply: undefined as unknown as FastifyReply,
            client: clientInfo(req),
            auth: req.auth,
            params: parsePart(ep.params, req.params, 'params'),
            query: parsePart(ep.query, req.query, 'query'),
            body: undefined,
          } as SocketCtx<E>;
          await handler(socket, ctx);
        };
        start().catch((err: unknown) => {
          const user = err instanceof UserError;
          if (!user) req.log.error({ err }, 'websocket handler failed');
          socket.close(user ? 1008 : 1011, user ? (err as Error).message.slice(0, 120) : 'internal error');
        });
      },
    });
  }

  /** A non-API route (static files); still declared here so the table covers every route. */
  raw(
    method: HttpMethod,
    url: string,
    summary: string,
    handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  ): void {
    this.entries.push({
      name: null,
      method,
      url,
      guard: 'public',
      summary,
      tags: ['web'],
      websocket: false,
      status: 200,
      plainJsonBody: false,
      bodyCheckedByHandler: false,
    });
    this.app.route({ method, url, config: { guard: 'public' }, handler });
  }
}
