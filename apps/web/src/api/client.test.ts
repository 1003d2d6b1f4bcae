/// <reference types="node" />
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CSRF_HEADER, authApi } from '@airlock/contract/auth';
import { auditApi } from '@airlock/contract/audit';
import { systemApi } from '@airlock/contract/system';
import { tokensApi } from '@airlock/contract/tokens';
import { ApiError, apiClient, setCsrfToken, setUnauthenticatedHandler, setUnlockHandler } from './client';

interface Call {
  url: string;
  init: RequestInit;
}
type Reply = { status: number; body?: unknown; text?: string };

let calls: Call[] = [];
let replies: Reply[] = [];
const realFetch = globalThis.fetch;

function reply(r: Reply): Response {
  const text = r.text ?? (r.body === undefined ? '' : JSON.stringify(r.body));
  return new Response(text, { status: r.status, statusText: r.status === 502 ? 'Bad Gateway' : '' });
}

beforeEach(() => {
  calls = [];
  replies = [];
  globalThis.fetch = ((url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = replies.shift();
    if (!next) throw new Error(`unexpected request ${url}`);
    return Promise.resolve(reply(next));
  }) as typeof fetch;
  setCsrfToken(null);
  setUnlockHandler(null);
  setUnauthenticatedHandler(null);
});
afterEach(() => {
  globalThis.fetch = realFetch;
});

const unlockRequired = {
  status: 403,
  body: { code: 'unlock_required', message: 'unlock first', correlationId: 'c1' },
};
const headerOf = (c: Call | undefined, name: string) => (c?.init.headers as Record<string, string>)[name];

void describe('api client', () => {
  void it('sends the CSRF token on state-changing requests only, with the session cookie', async () => {
    setCsrfToken('csrf-1');
    replies.push(
      { status: 200, body: { items: [], nextBefore: null } },
      { status: 200, body: { unlockedUntil: 'later' } },
    );
    await apiClient.call(auditApi.list, { query: { limit: 1, before: undefined, action: '' } });
    await apiClient.call(authApi.unlock, { body: { password: 'p' } });
    assert.equal(calls[0]?.url, '/api/audit?limit=1');
    assert.equal(headerOf(calls[0], CSRF_HEADER), undefined);
    assert.equal(headerOf(calls[1], CSRF_HEADER), 'csrf-1');
    assert.equal(calls[1]?.init.credentials, 'same-origin');
    assert.equal(calls[1]?.init.body, '{"password":"p"}');
  });

  void it('fills path parameters URL-encoded, and sends an empty JSON object to a body-less POST', async () => {
    replies.push({ status: 200, body: { ok: true } }, { status: 200, body: { ok: true } });
    await apiClient.call(tokensApi.revoke, { params: { id: 'a/b?c' } });
    assert.equal(calls[0]?.url, '/api/tokens/a%2Fb%3Fc');
    assert.equal(calls[0]?.init.method, 'DELETE');
    assert.equal(calls[0]?.init.body, null);
    await apiClient.call(authApi.logout);
    assert.equal(calls[1]?.init.body, '{}');
    assert.equal(headerOf(calls[1], 'content-type'), 'application/json');
  });

  void it('turns an error body into an ApiError with its field issues', async () => {
    replies.push({
      status: 400,
      body: {
        code: 'validation_failed',
        message: 'body.password: too short',
        details: [{ path: 'body.password', message: 'too short' }, { bogus: true }],
        correlationId: 'c2',
      },
    });
    const err = await apiClient.call(authApi.logout).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'validation_failed');
    assert.deepEqual(err.fieldIssues, [{ path: 'body.password', message: 'too short' }]);
  });

  void it('reports a non-JSON error page and a network failure in words', async () => {
    replies.push({ status: 502, text: '<html>Bad Gateway</html>' });
    const err = await apiClient.call(authApi.logout).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'bad_response');
    assert.match(err.message, /502/);

    globalThis.fetch = () => Promise.reject(new TypeError('Failed to fetch'));
    const down = await apiClient.call(systemApi.health).catch((e: unknown) => e);
    assert.ok(down instanceof ApiError);
    assert.equal(down.code, 'network_error');
  });

  void it('rejects a success answer that does not match the contract', async () => {
    replies.push({ status: 200, body: { ok: 'yes' } });
    const err = await apiClient.call(authApi.logout).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'bad_response');
  });

  void it('asks to unlock on unlock_required and retries the request once', async () => {
    let asked = 0;
    setUnlockHandler(() => {
      asked++;
      return Promise.resolve(true);
    });
    replies.push(unlockRequired, { status: 200, body: { ok: true } });
    assert.deepEqual(await apiClient.call(authApi.logout), { ok: true });
    assert.equal(asked, 1);
    assert.equal(calls.length, 2);

    // A second refusal after unlocking is final: no loop of prompts.
    replies.push(unlockRequired, unlockRequired);
    const err = await apiClient.call(authApi.logout).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError && err.code === 'unlock_required');
    assert.equal(asked, 2);
  });

  void it('does not perform the action when the user cancels the unlock', async () => {
    setUnlockHandler(() => Promise.resolve(false));
    replies.push(unlockRequired);
    const err = await apiClient.call(authApi.logout).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'unlock_required');
    assert.match(err.message, /Not done/);
    assert.equal(calls.length, 1);
  });

  void it('shares one unlock prompt between concurrent requests', async () => {
    let asked = 0;
    let release: (ok: boolean) => void = () => undefined;
    setUnlockHandler(() => {
      asked++;
      return new Promise<boolean>((r) => (release = r));
    });
    replies.push(
      unlockRequired,
      unlockRequired,
      { status: 200, body: { ok: true } },
      { status: 200, body: { ok: true } },
    );
    const a = apiClient.call(authApi.logout);
    const b = apiClient.call(authApi.logout);
    await new Promise((r) => setTimeout(r, 10));
    release(true);
    assert.deepEqual(await Promise.all([a, b]), [{ ok: true }, { ok: true }]);
    assert.equal(asked, 1);
  });

  void it('reports a lost session, except where 401 is an expected answer', async () => {
    let lost = 0;
    setUnauthenticatedHandler(() => lost++);
    const unauth = { status: 401, body: { code: 'unauthenticated', message: 'sign in', correlationId: 'c' } };
    replies.push(unauth, unauth);
    await apiClient.call(authApi.logout).catch(() => undefined);
    assert.equal(lost, 1);
    await apiClient
      .call(authApi.login, { body: { username: 'a', password: 'b' } }, { expectUnauthenticated: true })
      .catch(() => undefined);
    assert.equal(lost, 1);
  });
});
