import { ErrorBody, FieldIssue, type ErrorCode } from './errors';
import {
  endpointPath,
  type AnyEndpoint,
  type EndpointInput,
  type EndpointOutput,
  type HttpMethod,
} from './endpoint';

/**
 * The one API client, shared by the web app and the CLI. It is built from the endpoint catalog:
 * callers pass an endpoint and its typed input; the client fills the path, sends the body, checks the
 * answer against the endpoint's response schema, turns error answers into `ApiError`, and on
 * `unlock_required` asks the host program to unlock (a dialog, a password prompt) and retries once.
 * What differs between web and CLI (how to fetch, which credentials, how to unlock) is injected.
 */

/** Codes the client produces itself when there is no usable error body from the server. */
export type ClientErrorCode = 'network_error' | 'bad_response';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly details?: unknown,
    readonly correlationId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
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

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * A 401 here is an expected answer (wrong password, not signed in yet), not a lost session: the
   * `onUnauthenticated` hook is not called.
   */
  expectUnauthenticated?: boolean;
  /** Do not unlock and retry on `unlock_required` (the unlock call itself). */
  noUnlockRetry?: boolean;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface ClientConfig {
  /** Origin (and path prefix) of the deck; '' for the page's own origin. */
  baseUrl: string;
  fetch: FetchLike;
  /** Headers to add to a request (a bearer token, a CSRF token, a cookie). */
  headers?: (method: HttpMethod) => Record<string, string>;
  /** Extra fetch options (credentials, redirect handling, a timeout signal). */
  init?: () => RequestInit;
  /**
   * Called on `unlock_required`: unlock by whatever means the program has (a dialog, a prompt) and
   * resolve true to retry the request once, false to give up.
   */
  unlock?: () => Promise<boolean>;
  /** Called when a request that expected a session gets 401 (it expired or was revoked). */
  onUnauthenticated?: () => void;
  /** Turns a transport failure (no answer at all) into the error to throw. */
  networkError?: (err: unknown) => Error;
  /** Appended to the "unexpected answer" message, e.g. "Reload the page." */
  versionHint?: string;
}

export interface Answer<T> {
  data: T;
  status: number;
  headers: Headers;
}

/** `input` may be left out when the endpoint needs none. */
type InputArgs<E extends AnyEndpoint> =
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "nothing required" is exactly `{}`
  {} extends EndpointInput<E>
    ? [input?: EndpointInput<E>, opts?: CallOptions]
    : [input: EndpointInput<E>, opts?: CallOptions];

export interface ApiClient {
  /** Calls `ep` and returns its validated answer; unlocks and retries once on `unlock_required`. */
  call<E extends AnyEndpoint>(ep: E, ...args: InputArgs<E>): Promise<EndpointOutput<E>>;
  /** One exchange without the unlock retry, with status and headers (sign-in reads Set-Cookie). */
  send<E extends AnyEndpoint>(ep: E, ...args: InputArgs<E>): Promise<Answer<EndpointOutput<E>>>;
  /** The URL of `ep` with its params and query (downloads, WebSockets). */
  url<E extends AnyEndpoint>(ep: E, input?: EndpointInput<E>): string;
}

const NETWORK_MESSAGE = 'Cannot reach the Airlock server. Check that it is running and try again.';

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An error answer as an ApiError: the server's own body when it is one, else the status (and a short plain-text snippet). */
function errorOf(res: Response, text: string): ApiError {
  const parsed = ErrorBody.safeParse(parseJson(text));
  if (parsed.success) {
    const b = parsed.data;
    return new ApiError(res.status, b.code, b.message, b.details, b.correlationId);
  }
  // Not an Airlock error body: a proxy in between, or not an Airlock server at all.
  const plain = (res.headers.get('content-type') ?? '').startsWith('text/plain');
  const snippet = plain
    ? text
        // eslint-disable-next-line no-control-regex -- stripping control characters is the point
        .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
        .trim()
        .slice(0, 200)
    : '';
  const what = `The server answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  return new ApiError(res.status, 'bad_response', snippet ? `${what}: ${snippet}` : `${what}.`);
}

export function createApiClient(config: ClientConfig): ApiClient {
  const base = config.baseUrl.replace(/\/+$/, '');

  const urlOf = (ep: AnyEndpoint, input?: { params?: unknown; query?: unknown }) =>
    base +
    endpointPath(
      ep,
      input?.params as Record<string, unknown> | undefined,
      input?.query as Record<string, unknown> | undefined,
    );

  async function exchange(
    ep: AnyEndpoint,
    input: { params?: unknown; query?: unknown; body?: unknown } | undefined,
    opts: CallOptions,
  ): Promise<Answer<unknown>> {
    const method = ep.method;
    const headers: Record<string, string> = { accept: 'application/json', ...config.headers?.(method) };
    // Mutating endpoints always carry a JSON body (an empty object when the caller gave none), so
    // the server and any proxy see one content type.
    const body = input?.body ?? (method === 'GET' || method === 'DELETE' ? undefined : {});
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = {
      ...config.init?.(),
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    };
    if (opts.signal) init.signal = opts.signal;
    const target = urlOf(ep, input);
    let res: Response;
    let text: string;
    try {
      res = await config.fetch(target, init);
      text = await res.text();
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError' && opts.signal?.aborted) throw err;
      throw config.networkError?.(err) ?? new ApiError(0, 'network_error', NETWORK_MESSAGE);
    }
    if (res.status < 200 || res.status >= 300) {
      const err = errorOf(res, text);
      if (res.status === 401 && !opts.expectUnauthenticated) config.onUnauthenticated?.();
      throw err;
    }
    if (ep.kind === 'text') return { data: text, status: res.status, headers: res.headers };
    const json = parseJson(text);
    if (!ep.response) return { data: json, status: res.status, headers: res.headers };
    const parsed = ep.response.safeParse(json);
    if (!parsed.success) {
      // A contract mismatch means the two sides are from different builds; say so rather than use
      // half-valid data.
      const first = parsed.error.issues[0];
      const where = first ? ` (${first.path.join('.') || 'body'}: ${first.message})` : '';
      throw new ApiError(
        res.status,
        'bad_response',
        `Unexpected answer from ${method} ${ep.path}${where}; the two sides may be different versions.${
          config.versionHint ? ` ${config.versionHint}` : ''
        }`,
        parsed.error.issues,
      );
    }
    return { data: parsed.data, status: res.status, headers: res.headers };
  }

  async function call(ep: AnyEndpoint, input?: object, opts: CallOptions = {}): Promise<unknown> {
    try {
      return (await exchange(ep, input, opts)).data;
    } catch (err) {
      if (!isApiError(err, 'unlock_required') || opts.noUnlockRetry || !config.unlock) throw err;
      if (!(await config.unlock())) {
        throw new ApiError(
          err.status,
          'unlock_required',
          'Not done: this action is marked dangerous and needs you to unlock with your password first.',
          err.details,
          err.correlationId,
        );
      }
      return (await exchange(ep, input, opts)).data;
    }
  }

  return {
    call: call as ApiClient['call'],
    send: ((ep: AnyEndpoint, input?: object, opts: CallOptions = {}) =>
      exchange(ep, input, opts)) as ApiClient['send'],
    url: (ep: AnyEndpoint, input?: object) => urlOf(ep, input),
  };
}

/** Readable text for any error a call may throw. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    return err.code === 'internal' && err.correlationId
      ? `${err.message} (reference ${err.correlationId})`
      : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
