import { queryOptions, type QueryClient } from '@tanstack/react-query';
import {
  authApi,
  setupApi,
  type ChangePasswordBody,
  type LoginBody,
  type Me,
  type SetupBody,
  type UnlockResult,
} from '@airlock/contract/auth';
import type { Ok } from '@airlock/contract/system';
import { apiClient, isApiError, setCsrfToken } from './client';

export const meQuery = queryOptions({
  queryKey: ['auth', 'me'] as const,
  /** `null` means "not signed in": a normal state, not an error. */
  queryFn: async ({ signal }): Promise<Me | null> => {
    try {
      const me = await apiClient.call(authApi.me, {}, { signal, expectUnauthenticated: true });
      setCsrfToken(me.csrfToken);
      return me;
    } catch (err) {
      if (isApiError(err, 'unauthenticated')) {
        setCsrfToken(null);
        return null;
      }
      throw err;
    }
  },
  staleTime: 60_000,
});

export const setupStatusQuery = queryOptions({
  queryKey: ['setup'] as const,
  queryFn: ({ signal }) => apiClient.call(setupApi.status, {}, { signal }),
  staleTime: Infinity,
});

// Set when a request finds the session gone, so the login page can say why the user is there.
let sessionEnded = false;

/** The session expired or was revoked while the app was open. */
export function sessionLost(qc: QueryClient): void {
  if (qc.getQueryData(meQuery.queryKey)) sessionEnded = true;
  setCsrfToken(null);
  qc.setQueryData(meQuery.queryKey, null);
}

export function wasSessionLost(): boolean {
  return sessionEnded;
}

/** After login or setup the answer is the new session; store it where the app shell reads it. */
export function signedIn(qc: QueryClient, me: Me): void {
  sessionEnded = false;
  setCsrfToken(me.csrfToken);
  qc.setQueryData(meQuery.queryKey, me);
}

export function login(body: LoginBody): Promise<Me> {
  return apiClient.call(authApi.login, { body }, { expectUnauthenticated: true });
}

export function setup(body: SetupBody): Promise<Me> {
  return apiClient.call(setupApi.complete, { body }, { expectUnauthenticated: true });
}

export function logout(): Promise<Ok> {
  return apiClient.call(authApi.logout, {}, { expectUnauthenticated: true });
}

export function unlock(password: string): Promise<UnlockResult> {
  // A wrong password is a 401 here; it must stay in the dialog, not end the session.
  return apiClient.call(
    authApi.unlock,
    { body: { password } },
    { expectUnauthenticated: true, noUnlockRetry: true },
  );
}

export function changePassword(body: ChangePasswordBody): Promise<Ok> {
  // A wrong current password is a 403 with a field issue: it stays in the form.
  return apiClient.call(authApi.changePassword, { body }, { noUnlockRetry: true });
}
