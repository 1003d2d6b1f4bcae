import type { z } from 'zod';
import { parseGuard, roleAtLeast, type Guard } from './roles';

/**
 * The endpoint catalog's building block. Each endpoint is declared once, here in the contract, with
 * everything both sides need: method, path, guard, schemas of params, query, body and response. The
 * server registers its handlers against these declarations (and a test proves it serves exactly the
 * catalog); the web app and the CLI call them through the one typed client (`client.ts`), so a path,
 * a guard or a schema cannot drift between the three.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** How the answer travels: JSON checked against `response`, a WebSocket, or a text download. */
export type EndpointKind = 'json' | 'websocket' | 'text';
type Schema = z.ZodType;

export interface Endpoint<
  G extends Guard = Guard,
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema | undefined = Schema | undefined,
> {
  readonly method: HttpMethod;
  /** Fastify-style path: `/api/hosts/:id`; every `:name` is a key of `params`. */
  readonly path: string;
  readonly guard: G;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly kind: EndpointKind;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The success answer's schema (JSON endpoints). */
  readonly response: R;
  /** Success status. */
  readonly status: number;
  /**
   * Open to an account that must change its password first (who am I, sign out, change it);
   * every other endpoint answers 403 password_change_required until it has.
   */
  readonly beforePasswordChange: boolean;
  /** WebSocket endpoints: what the server sends in text frames, and what the client may send. */
  readonly serverMessage?: Schema;
  readonly clientMessage?: Schema;
}

/** Any endpoint, whatever its schemas (for tables and generic code). */
export type AnyEndpoint = Endpoint<
  Guard,
  Schema | undefined,
  Schema | undefined,
  Schema | undefined,
  Schema | undefined
>;

export interface EndpointDef<G extends Guard, P, Q, B, R> {
  method?: HttpMethod;
  path: string;
  guard: G;
  summary: string;
  tags?: readonly string[];
  kind?: EndpointKind;
  params?: P;
  query?: Q;
  body?: B;
  response?: R;
  status?: number;
  beforePasswordChange?: boolean;
  serverMessage?: Schema;
  clientMessage?: Schema;
}

/** Declares one endpoint; method defaults to GET (WebSockets are GET too), status to 200 (101 for sockets). */
export function endpoint<
  const G extends Guard,
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(def: EndpointDef<G, P, Q, B, R>): Endpoint<G, P, Q, B, R> {
  const kind = def.kind ?? 'json';
  return {
    method: def.method ?? 'GET',
    path: def.path,
    guard: def.guard,
    summary: def.summary,
    tags: def.tags ?? [],
    kind,
    params: def.params as P,
    query: def.query as Q,
    body: def.body as B,
    response: def.response as R,
    status: def.status ?? (kind === 'websocket' ? 101 : 200),
    beforePasswordChange: def.beforePasswordChange === true,
    ...(def.serverMessage ? { serverMessage: def.serverMessage } : {}),
    ...(def.clientMessage ? { clientMessage: def.clientMessage } : {}),
  };
}

/** Names of the `:params` in a path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
}

// ---- what a caller sends and gets ------------------------------------------------------------------

type InputOf<S> = S extends Schema ? z.input<S> : never;
type OutputOf<S> = S extends Schema ? z.output<S> : unknown;

/** `params` when the path has any; `query` always optional; `body` optional when it has no required field. */
export type EndpointInput<E extends AnyEndpoint> = (E['params'] extends Schema
  ? { params: InputOf<E['params']> }
  : { params?: undefined }) &
  (E['query'] extends Schema ? { query?: InputOf<E['query']> } : { query?: undefined }) &
  (E['body'] extends Schema
    ? // eslint-disable-next-line @typescript-eslint/no-empty-object-type
      {} extends InputOf<E['body']>
      ? { body?: InputOf<E['body']> }
      : { body: InputOf<E['body']> }
    : { body?: undefined });

export type EndpointOutput<E extends AnyEndpoint> = E['kind'] extends 'text'
  ? string
  : OutputOf<E['response']>;

/** A path or query value as text; only scalars belong there, anything else is a caller's bug. */
function scalar(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`a path or query value must be a string, number or boolean, not ${typeof v}`);
}

/** The path with its params filled in (each value URL-encoded) and the query appended. */
export function endpointPath(
  ep: Pick<AnyEndpoint, 'path'>,
  params?: Record<string, unknown>,
  query?: Record<string, unknown>,
): string {
  const path = ep.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === null || v === '')
      throw new Error(`${ep.path}: the path parameter "${name}" is missing`);
    return encodeURIComponent(scalar(v));
  });
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    qs.set(k, Array.isArray(v) ? v.map(scalar).join(',') : scalar(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

// ---- who may call it -----------------------------------------------------------------------------

/** The part of `Me` that decides access. */
export interface Principal {
  user: { role: unknown };
}

/**
 * Whether `me` has the role `ep` needs (the UI's one question, instead of scattered role checks).
 * Unlock is not part of the answer: the client asks for it when the server says so.
 */
export function can(me: Principal | null | undefined, ep: Pick<AnyEndpoint, 'guard'>): boolean {
  const { role } = parseGuard(ep.guard);
  if (role === null) return true;
  return me != null && roleAtLeast(me.user.role, role);
}

/** True when the endpoint is marked dangerous and needs a fresh unlock. */
export const needsUnlock = (ep: Pick<AnyEndpoint, 'guard'>): boolean => parseGuard(ep.guard).unlock;
