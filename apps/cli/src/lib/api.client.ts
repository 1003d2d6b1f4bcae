import { UnlockResult } from '@airlock/contract/auth';
import { ErrorBody } from '@airlock/contract/errors';
import type { z } from 'zod';
import { ApiError, CliError, UsageError } from './errors';

export const REQUEST_TIMEOUT_MS = 10_000;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface ApiClientOptions {
  /** Base URL of the deck, e.g. http://127.0.0.1:7070 (a path prefix is kept). */
  baseUrl: string;
  /** API token, sent as `Authorization: Bearer`. */
  token?: string;
  timeoutMs?: number;
  /**
   * Supplies the password when the server answers `unlock_required`; the client then unlocks
   * and retries the request once. Without it that answer is an error like any other.
   */
  unlockPassword?: () => Promise<string>;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
}

export interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** Parsed JSON, the text when the body is not JSON, or undefined when there is none. */
  body: unknown;
}

/** Validates and normalises a deck URL: http(s), no credentials, query or fragment, no trailing slash. */
export function normalizeBaseUrl(input: string): string {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    throw new UsageError(`"${input}" is not a URL; give one like http://127.0.0.1:7070`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(`"${input}" must start with http:// or https://`);
  }
  if (u.username || u.password) throw new UsageError('the URL must not contain a user name or password');
  if (u.search || u.hash) throw new UsageError('the URL must not contain a query or fragment');
  return u.origin + u.pathname.replace(/\/+$/, '');
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  if (err instanceof Error) {
    // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ENOTFOUND ...) in `cause`.
    const cause: unknown = err.cause;
    if (cause instanceof Error) {
      const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : null;
      return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
    }
    return err.message;
  }
  return String(err);
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function toApiError(status: number, statusText: string, body: unknown): ApiError {
  const parsed = ErrorBody.safeParse(body);
  if (parsed.success) {
    const b = parsed.data;
    return new ApiError(status, b.code, b.message, b.correlationId, b.details);
  }
  // Not an Airlock error body (a proxy in between, or not an Airlock server at all).
  const snippet = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  const what = `The server answered HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  return new ApiError(status, null, snippet ? `${what}: ${snippet}` : `${what}.`, null);
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  /** One HTTP exchange; throws on network failure, returns any status. */
  async raw(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(opts.body);
    }
    let res: Response;
    let body: unknown;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: payload,
        // Never follow a redirect: the token must go to the configured server and nowhere else.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await readBody(res);
    } catch (err) {
      throw new CliError(
        `Cannot reach the Airlock server at ${this.baseUrl}: ${describeNetworkError(err, this.timeoutMs)}`,
      );
    }
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers.get('location');
      throw new CliError(
        `The server at ${this.baseUrl} redirected ${method} ${path} to ${to ?? 'another address'}; the CLI does not follow redirects. Use the final URL with --url.`,
      );
    }
    return { status: res.status, statusText: res.statusText, headers: res.headers, body };
  }

  /**
   * Sends a request and validates a 2xx answer against `schema` (pass null to ignore the body).
   * Error statuses become ApiError with the server's message and correlation id. On
   * `unlock_required` it unlocks (when it has a password source) and retries once.
   */
  async request<S extends z.ZodType>(
    method: HttpMethod,
    path: string,
    schema: S,
    opts?: RequestOptions,
  ): Promise<z.output<S>>;
  async request(method: HttpMethod, path: string, schema: null, opts?: RequestOptions): Promise<unknown>;
  async request(
    method: HttpMethod,
    path: string,
    schema: z.ZodType | null,
    opts: RequestOptions = {},
  ): Promise<unknown> {
    try {
      return (await this.send(method, path, schema, opts)).data;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'unlock_required' || !this.options.unlockPassword)
        throw err;
      const password = await this.options.unlockPassword();
      await this.send('POST', '/api/auth/unlock', UnlockResult, { body: { password } });
      return (await this.send(method, path, schema, opts)).data;
    }
  }

  /** Like `request` but once, without unlocking, and with the response headers. */
  async send<S extends z.ZodType>(
    method: HttpMethod,
    path: string,
    schema: S,
    opts?: RequestOptions,
  ): Promise<{ data: z.output<S>; headers: Headers }>;
  async send(
    method: HttpMethod,
    path: string,
    schema: z.ZodType | null,
    opts?: RequestOptions,
  ): Promise<{ data: unknown; headers: Headers }>;
  async send(
    method: HttpMethod,
    path: string,
    schema: z.ZodType | null,
    opts: RequestOptions = {},
  ): Promise<{ data: unknown; headers: Headers }> {
    const res = await this.raw(method, path, opts);
    if (res.status < 200 || res.status >= 300) {
      throw toApiError(res.status, res.statusText, res.body);
    }
    if (!schema) return { data: res.body, headers: res.headers };
    const parsed = schema.safeParse(res.body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first ? ` (${first.path.join('.') || 'body'}: ${first.message})` : '';
      throw new CliError(
        `The server's answer to ${method} ${path} is not what this CLI expects${where}. Are the CLI and server the same version?`,
      );
    }
    return { data: parsed.data, headers: res.headers };
  }
}
