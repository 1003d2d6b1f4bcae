import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import { CSRF_HEADER, roleRank, type Guard, type Role } from '@airlock/contract/auth';
import { UserError, badRequest, forbidden, unauthenticated } from './errors';
import { safeEqual } from './crypto';

/** Who is calling: a browser session (cookie) or an API token. */
export type AuthContext =
  | { kind: 'session'; user: AuthUser; sessionId: string; csrfToken: string; unlockedUntil: string | null }
  | { kind: 'token'; user: AuthUser; tokenId: string; unlockedUntil: string | null };
export interface AuthUser {
  id: string;
  username: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface HandlerCtx<P, Q, B> {
  req: FastifyRequest;
  reply: FastifyReply;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** Null only on public routes. */
  auth: AuthContext | null;
}

export interface RouteSpec<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
> {
  method: Method;
  url: string;
  guard: Guard;
  summary: string;
  tags?: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** Documented (OpenAPI) response schema for the success status. */
  response?: Schema;
  /** Success status; default 200. */
  status?: number;
  /** Overrides the server-wide body limit for this route, in bytes. */
  bodyLimit?: number;
  /** Runs before the body is read (e.g. a public route's own credential check, so junk is not parsed). */
  onRequest?: (req: FastifyRequest) => Promise<void>;
  /**
   * The JSON body skips the generic nesting-depth and prototype-key scan (see `parsePlainJson`).
   * Only for a hot route with large bodies whose handler reads them solely through zod object
   * schemas (which never descend into values they do not describe and drop `__proto__` keys) and
   * never walks, copies or re-serialises the raw value.
   */
  plainJsonBody?: boolean;
  handler: (ctx: HandlerCtx<P, Q, B>) => Promise<unknown>;
}

export interface WsSpec<P extends Schema | undefined, Q extends Schema | undefined> {
  url: string;
  guard: Guard;
  summary: string;
  tags?: string[];
  params?: P;
  query?: Q;
  handler: (socket: WebSocket, ctx: HandlerCtx<P, Q, undefined>) => void | Promise<void>;
}

export interface RouteEntry {
  method: Method;
  url: string;
  guard: Guard;
  summary: string;
  tags: string[];
  websocket: boolean;
  params?: Schema;
  query?: Schema;
  body?: Schema;
  response?: Schema;
  status: number;
  /** The body skips the generic depth and prototype-key scan (RouteSpec.plainJsonBody). */
  plainJsonBody: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function parseGuard(guard: Guard): { role: Role | null; unlock: boolean } {
  const [role, extra] = guard.split('+') as [Role | 'public', string | undefined];
  return { role: role === 'public' ? null : role, unlock: extra === 'unlock' };
}

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
  guard: Guard,
  isWebSocket = false,
  publicHost: string | null = null,
): void {
  const mutating = !SAFE_METHODS.has(req.method);
  if (mutating || isWebSocket) checkOrigin(req, publicHost);
  const { role, unlock } = parseGuard(guard);
  if (role === null) return;
  const auth = req.auth;
  if (!auth) throw unauthenticated();
  if (roleRank[auth.user.role] < roleRank[role]) {
    throw forbidden(`This needs the ${role} role; you are ${auth.user.role}.`);
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
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) {
    const issues = issuesOf(r.error, where);
    const first = issues[0];
    throw badRequest(first ? `${first.path}: ${first.message}` : `Invalid ${where}.`, issues);
  }
  return r.data as Out<S>;
}

/**
 * The one route table. Every route is registered through it with its guard; `all()` feeds the
 * OpenAPI document and the guard-matrix test, which also checks Fastify has no route outside it.
 */
export class RouteTable {
  private readonly entries: RouteEntry[] = [];
  /** `publicHost`: host of the configured public URL, accepted as an Origin besides the Host header. */
  constructor(
    private readonly app: FastifyInstance,
    private readonly publicHost: string | null = null,
  ) {}

  all(): readonly RouteEntry[] {
    return this.entries;
  }

  add<
    P extends Schema | undefined = undefined,
    Q extends Schema | undefined = undefined,
    B extends Schema | undefined = undefined,
  >(spec: RouteSpec<P, Q, B>): void {
    this.entries.push({
      method: spec.method,
      url: spec.url,
      guard: spec.guard,
      summary: spec.summary,
      tags: spec.tags ?? [],
      websocket: false,
      params: spec.params,
      query: spec.query,
      body: spec.body,
      response: spec.response,
      status: spec.status ?? 200,
      plainJsonBody: spec.plainJsonBody === true,
    });
    this.app.route({
      method: spec.method,
      url: spec.url,
      ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
      // The guard runs first here too, so a route's own check never precedes Origin/auth refusals.
      ...(spec.onRequest
        ? {
            onRequest: async (req: FastifyRequest) => {
              enforceGuard(req, spec.guard, false, this.publicHost);
              await spec.onRequest!(req);
            },
          }
        : {}),
      config: { guard: spec.guard, plainJsonBody: spec.plainJsonBody === true },
      handler: async (req, reply) => {
        enforceGuard(req, spec.guard, false, this.publicHost);
        const ctx: HandlerCtx<P, Q, B> = {
          req,
          reply,
          auth: req.auth,
          params: parsePart<P>(spec.params as P, req.params, 'params'),
          query: parsePart<Q>(spec.query as Q, req.query, 'query'),
          body: parsePart<B>(spec.body as B, req.body, 'body'),
        };
        const result = await spec.handler(ctx);
        if (reply.sent) return reply;
        reply.code(spec.status ?? 200);
        return result;
      },
    });
  }

  ws<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined>(
    spec: WsSpec<P, Q>,
  ): void {
    this.entries.push({
      method: 'GET',
      url: spec.url,
      guard: spec.guard,
      summary: spec.summary,
      tags: spec.tags ?? [],
      websocket: true,
      params: spec.params,
      query: spec.query,
      status: 101,
      plainJsonBody: false,
    });
    this.app.route({
      method: 'GET',
      url: spec.url,
      config: { guard: spec.guard },
      // Plain GETs (no upgrade) are answered by the same guard, then told to upgrade.
      handler: (req, reply) => {
        enforceGuard(req, spec.guard, true, this.publicHost);
        return reply.code(426).send({
          code: 'validation_failed',
          message: 'This endpoint speaks WebSocket only.',
          correlationId: req.id,
        });
      },
      preValidation: (req, _reply, done) => {
        try {
          enforceGuard(req, spec.guard, true, this.publicHost);
          // Bad params/query are refused with a plain 400 before the upgrade, not a close code.
          parsePart(spec.params, req.params, 'params');
          parsePart(spec.query, req.query, 'query');
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      wsHandler: (socket, req) => {
        const start = async () => {
          const ctx: HandlerCtx<P, Q, undefined> = {
            req,
            reply: undefined as unknown as FastifyReply,
            auth: req.auth,
            params: parsePart<P>(spec.params as P, req.params, 'params'),
            query: parsePart<Q>(spec.query as Q, req.query, 'query'),
            body: undefined,
          };
          await spec.handler(socket, ctx);
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
    method: Method,
    url: string,
    summary: string,
    handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  ): void {
    this.entries.push({
      method,
      url,
      guard: 'public',
      summary,
      tags: ['web'],
      websocket: false,
      status: 200,
      plainJsonBody: false,
    });
    this.app.route({ method, url, config: { guard: 'public' }, handler });
  }
}
