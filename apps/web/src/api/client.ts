import { CSRF_HEADER } from '@airlock/contract/auth';
import { createApiClient } from '@airlock/contract/client';

export { ApiError, isApiError, errorText as errorMessage } from '@airlock/contract/client';

/**
 * The web app's instance of the shared API client (packages/contract/src/client.ts): same-origin
 * requests with the session cookie, the CSRF token on state-changing ones, the unlock dialog on
 * `unlock_required`, and the login page when a session is lost.
 */

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

export const apiClient = createApiClient({
  baseUrl: '',
  // Looked up at call time, so tests (and polyfills) can replace it.
  fetch: (url, init) => globalThis.fetch(url, init),
  init: () => ({ credentials: 'same-origin' }),
  headers: (method): Record<string, string> =>
    method !== 'GET' && csrfToken ? { [CSRF_HEADER]: csrfToken } : {},
  unlock: () => (unlockHandler ? requestUnlock() : Promise.resolve(false)),
  onUnauthenticated: () => onUnauthenticated?.(),
  versionHint: 'Reload the page.',
});
