import { authApi } from '@airlock/contract/auth';
import { createApiClient, type ApiClient } from '@airlock/contract/client';
import type { HttpMethod } from '@airlock/contract/endpoint';
import { CliError, UsageError } from './errors';

export type { ApiClient } from '@airlock/contract/client';

/**
 * The CLI's instance of the shared API client (packages/contract/src/client.ts): a bearer token (or
 * a temporary sign-in cookie), a timeout, no redirects, and on `unlock_required` the password from
 * the environment or a prompt.
 */

export const REQUEST_TIMEOUT_MS = 10_000;

export interface CliClientOptions {
  /** Base URL of the deck, e.g. http://127.0.0.1:7070 (a path prefix is kept). */
  baseUrl: string;
  /** API token, sent as `Authorization: Bearer`. */
  token?: string;
  /** Other headers for every request (the password sign-in's cookie and CSRF token). */
  headers?: (method: HttpMethod) => Record<string, string>;
  timeoutMs?: number;
  /**
   * Supplies the password when the server answers `unlock_required`; the client then unlocks and
   * retries the request once. Without it that answer is an error like any other.
   */
  unlockPassword?: () => Promise<string>;
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

export function createCliClient(options: CliClientOptions): ApiClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const client: ApiClient = createApiClient({
    baseUrl,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      if (res.status >= 300 && res.status < 400) {
        // Never followed: the token must go to the configured server and nowhere else.
        const to = res.headers.get('location');
        const where = new URL(url).pathname;
        throw new CliError(
          `The server at ${baseUrl} redirected ${init.method ?? 'GET'} ${where} to ${to ?? 'another address'}; the CLI does not follow redirects. Use the final URL with --url.`,
        );
      }
      return res;
    },
    init: () => ({ redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) }),
    headers: (method) => ({
      ...options.headers?.(method),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    }),
    unlock: options.unlockPassword
      ? async () => {
          const password = await options.unlockPassword!();
          await client.call(authApi.unlock, { body: { password } }, { noUnlockRetry: true });
          return true;
        }
      : undefined,
    networkError: (err) =>
      err instanceof CliError
        ? err
        : new CliError(
            `Cannot reach the Airlock server at ${baseUrl}: ${describeNetworkError(err, timeoutMs)}`,
          ),
    versionHint: 'Are the CLI and server the same version?',
  });
  return client;
}
