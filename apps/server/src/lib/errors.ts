import type { ErrorCode } from '@airlock/contract/errors';

/**
 * Errors by who is at fault (DESIGN.md). Throw these from services and adapters; the one error
 * handler (app.ts) turns them into `{code, message, details?, correlationId}`.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: ErrorCode;
  readonly details: unknown;
  constructor(message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The caller sent something wrong or may not do this: 4xx, message shown to the user. */
export class UserError extends AppError {
  readonly status: number;
  readonly code: ErrorCode;
  constructor(
    status: 400 | 401 | 403 | 404 | 409 | 413 | 429,
    code: ErrorCode,
    message: string,
    details?: unknown,
  ) {
    super(message, details);
    this.status = status;
    this.code = code;
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new UserError(400, 'validation_failed', message, details);
export const unauthenticated = (
  message = 'Sign in first, or send an API token as "Authorization: Bearer <token>".',
) => new UserError(401, 'unauthenticated', message);
export const forbidden = (message: string) => new UserError(403, 'forbidden', message);
/** "Not found or no access", worded identically for both so existence does not leak. */
export const notFound = (what: string) =>
  new UserError(404, 'not_found', `${what} was not found, or you have no access to it.`);
export const conflict = (message: string, details?: unknown) =>
  new UserError(409, 'conflict', message, details);

/**
 * Too many requests of one kind: 429 with `Retry-After` (the error handler sets the header from
 * `retryAfterSeconds`, which the body's details also carry for clients that read JSON only).
 */
export class RateLimited extends AppError {
  readonly status = 429;
  readonly code = 'rate_limited' as const;
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(message, { retryAfterSeconds: seconds });
    this.retryAfterSeconds = seconds;
  }
}

/** Something Airlock depends on (an engine, a host, an upstream) failed: 502, or 504 on timeout. */
export class UpstreamError extends AppError {
  readonly status: number;
  readonly code: ErrorCode;
  /** Which upstream failed, e.g. `docker@host-1` or `ssh://deploy@10.0.0.5`. */
  readonly upstream: string;
  constructor(
    upstream: string,
    message: string,
    opts: { timeout?: boolean; cause?: unknown; details?: unknown } = {},
  ) {
    super(message, opts.details, { cause: opts.cause });
    this.upstream = upstream;
    this.status = opts.timeout ? 504 : 502;
    this.code = opts.timeout ? 'upstream_timeout' : 'upstream_failed';
  }
}

/**
 * A bug or broken invariant: 500. The message is for the log only (it may name files, queries or
 * secrets); the client gets a fixed text with the correlation id.
 */
export class InternalError extends AppError {
  readonly status = 500;
  readonly code = 'internal' as const;
}

/**
 * A policy refused the request (the gateway's egress rules, a fix session's Docker scope): 403 with
 * the rule that decided, so an agent and its operator can tell a refusal from a failure.
 */
export class PolicyDenied extends AppError {
  readonly status = 403;
  readonly code = 'policy_denied' as const;
  /** The rule that refused, e.g. `docker-scope:propose-only` or `egress:no-route`. */
  readonly rule: string;
  constructor(rule: string, message: string, details?: Record<string, unknown>) {
    super(message, { rule, ...details });
    this.rule = rule;
  }
}

/**
 * A part Airlock runs itself is not available now (the gateway restarting, a runtime missing): 503.
 * The message says what and, where it can, what to do.
 */
export class Unavailable extends AppError {
  readonly status = 503;
  readonly code = 'unavailable' as const;
}

/** The text a client may see for an error: InternalError's own message never leaves the server. */
export function publicMessage(err: AppError, correlationId: string): string {
  return err instanceof InternalError
    ? `Internal error; quote correlation id ${correlationId} when reporting it.`
    : err.message;
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
