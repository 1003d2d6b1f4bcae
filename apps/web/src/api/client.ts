import type { z } from 'zod';
import { CSRF_HEADER } from '@airlock/contract/auth';
import { ErrorBody, FieldIssue, type ErrorCode } from '@airlock/contract/errors';

/** Codes the client itself produces when there is no usable error body from the server. */
export type ClientErrorCode = 'network_error' | 'bad_response';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  readonly details: unknown;
  readonly correlationId: string | null;

  constructor(
    status: number,
    code: ErrorCode | ClientErrorCode,
    message: string,
    details?: unknown,
    correlationId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.correlationId = correlationId;
  }

  /** Per-field problems from a `validation_failed` answer, in the server's `{path, message}` form. */
  get fieldIssues(): FieldIssue[] {
    if (this.code !== 'validation_failed' || !Array.isArray(this.details)) return [];
    return this.details.flatMap((d) => {
      const r = FieldIssue.safeParse(d);
      return r.success ? [r.data] : [];
    });
  }
}

export function isApiError(err: unknown, code?: ApiError['code']): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

// The CSRF token lives in memory only (from /api/auth/me, login or setup): a page reload
// re-fetches it, and nothing readable by other origins ever holds it.
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type UnlockHandler = () => Promise<boolean>;
let unlockHandler: UnlockHandler | null = null;
let pendingUnlock: Promise<boolean> | null = null;
/** The UI registers how to ask the user for their password; returns false if they cancelled. */
export function setUnlockHandler(handler: UnlockHandler | null): void {
  unlockHandler = handler;
}

/**
 * Asks the user to unlock now (shared with any request already waiting for it). For things the
 * client cannot retry by itself, such as a WebSocket the server refuses without an unlock.
 */
export function requestUnlock(): Promise<boolean> {
  if (!unlockHandler) return Promise.resolve(false);
  pendingUnlock ??= unlockHandler().finally(() => {
    pendingUnlock = null;
  });
  return pendingUnlock;
}

let onUnauthenticated: (() => void) | null = null;
/** Called when a request that expected a session gets 401: the session expired or was revoked. */
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal;
  /**
   * A 401 here is an expected answer (wrong password, not signed in yet), not a lost session,
   * so it must not bounce the user to the login page.
   */
  expectUnauthenticated?: boolean;
  /** Do not offer the unlock dialog on `unlock_required` (the unlock call itself). */
  noUnlockRetry?: boolean;
}

function buildUrl(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send<S extends z.ZodType>(
  path: string,
  schema: S,
  opts: RequestOptions,
): Promise<z.output<S>> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;

  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
      signal: opts.signal ?? null,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(
      0,
      'network_error',
      'Cannot reach the Airlock server. Check that it is running and try again.',
    );
  }

  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }

  if (!res.ok) {
    const parsed = ErrorBody.safeParse(json);
    const err = parsed.success
      ? new ApiError(
          res.status,
          parsed.data.code,
          parsed.data.message,
          parsed.data.details,
          parsed.data.correlationId,
        )
      : new ApiError(
          res.status,
          'bad_response',
          `The server answered ${res.status} ${res.statusText}.`.replace(' .', '.'),
        );
    if (res.status === 401 && !opts.expectUnauthenticated) onUnauthenticated?.();
    throw err;
  }

  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // A contract mismatch means web and server are from different builds; say so rather than
    // rendering half-valid data.
    throw new ApiError(
      res.status,
      'bad_response',
      `Unexpected answer from ${method} ${path}; the web app and server may be different versions. Reload the page.`,
      parsed.error.issues,
    );
  }
  return parsed.data;
}

/**
 * The one way the web app talks to the server. Errors are `ApiError`s; an `unlock_required`
 * answer asks the user to unlock (once, shared by concurrent requests) and retries the request once.
 */
export async function api<S extends z.ZodType>(
  path: string,
  schema: S,
  opts: RequestOptions = {},
): Promise<z.output<S>> {
  try {
    return await send(path, schema, opts);
  } catch (err) {
    if (!isApiError(err, 'unlock_required') || opts.noUnlockRetry || !unlockHandler) throw err;
    const unlocked = await requestUnlock();
    if (!unlocked) {
      throw new ApiError(
        err.status,
        'unlock_required',
        'Not done: this action is marked dangerous and needs you to unlock with your password first.',
        err.details,
        err.correlationId,
      );
    }
    return send(path, schema, opts);
  }
}

/** Readable text for any error thrown by a query or mutation. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    return err.code === 'internal' && err.correlationId
      ? `${err.message} (reference ${err.correlationId})`
      : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
