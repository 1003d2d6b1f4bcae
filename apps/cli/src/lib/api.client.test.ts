import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { auditApi } from '@airlock/contract/audit';
import { authApi } from '@airlock/contract/auth';
import { systemApi } from '@airlock/contract/system';
import { tokensApi } from '@airlock/contract/tokens';
import { usersApi } from '@airlock/contract/users';
import { createCliClient, normalizeBaseUrl } from './api.client';
import { ApiError, CliError, UsageError } from './errors';
import { FakeDeck, errorBody } from './fake-deck.testing';

const token = {
  id: 't1',
  name: 'x',
  prefix: 'alk_t1_abcd',
  role: 'viewer',
  createdAt: 'now',
  lastUsedAt: null,
  expiresAt: null,
};
const user = {
  id: 'u1',
  username: 'bob',
  role: 'admin',
  disabled: false,
  mustChangePassword: false,
  createdAt: 'now',
  lastLoginAt: null,
};
const health = { status: 'ok', version: '0', uptimeSeconds: 1 };

let deck: FakeDeck;
beforeEach(async () => {
  await deck?.close();
  deck = new FakeDeck();
  await deck.start();
});
after(async () => {
  await deck.close();
});

void describe('ApiClient', () => {
  void it('sends the bearer token and JSON body, and returns the validated answer', async () => {
    deck.on('POST', '/api/tokens', { status: 201, body: { token, secret: 's', extra: true } });
    deck.on('GET', '/api/audit', { body: { items: [], nextBefore: null } });
    const client = createCliClient({ baseUrl: deck.url + '/', token: 'alk_id_secret' });
    const got = await client.call(tokensApi.create, { body: { name: 'a' } });
    assert.deepEqual(got, { token, secret: 's' });
    await client.call(auditApi.list, { query: { limit: 5, before: undefined } });
    const [req, list] = deck.requests;
    assert.equal(req?.headers.authorization, 'Bearer alk_id_secret');
    assert.equal(list?.query.get('limit'), '5');
    assert.equal(list?.query.has('before'), false);
    assert.deepEqual(req?.body, { name: 'a' });
    assert.equal(
      req?.headers.origin,
      undefined,
      'no Origin header, so the server CSRF origin check does not apply',
    );
  });

  void it('turns an Airlock error body into an ApiError with message and correlation id', async () => {
    deck.on('GET', '/api/auth/me', {
      status: 401,
      body: errorBody('unauthenticated', 'Sign in first.', 'corr-401'),
    });
    const client = createCliClient({ baseUrl: deck.url, token: 'alk_a_b' });
    await assert.rejects(client.call(authApi.me), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'unauthenticated');
      assert.equal(err.message, 'Sign in first.');
      assert.equal(err.correlationId, 'corr-401');
      return true;
    });
  });

  void it('describes a non-Airlock error answer (e.g. a proxy page) by status and text', async () => {
    deck.on('GET', '/api/health', {
      status: 502,
      body: 'Bad gateway from nginx\u001b[31m',
      headers: { 'content-type': 'text/plain' },
    });
    await assert.rejects(createCliClient({ baseUrl: deck.url }).call(systemApi.health), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'bad_response');
      assert.match(err.message, /HTTP 502 Bad Gateway: Bad gateway from nginx \[31m$/);
      return true;
    });
  });

  void it('rejects a success answer of the wrong shape instead of guessing', async () => {
    deck.on('GET', '/api/health', { body: { nom: 'x' } });
    await assert.rejects(
      createCliClient({ baseUrl: deck.url }).call(systemApi.health),
      /Unexpected answer from GET \/api\/health \(status: .*Are the CLI and server the same version\?/,
    );
  });

  void it('does not follow redirects, so the token never goes anywhere else', async () => {
    const other = new FakeDeck().on('GET', '/api/health', { body: health });
    await other.start();
    try {
      deck.on('GET', '/api/health', { status: 302, headers: { location: other.url + '/api/health' } });
      await assert.rejects(
        createCliClient({ baseUrl: deck.url, token: 'alk_a_b' }).call(systemApi.health),
        /redirected GET \/api\/health/,
      );
      assert.equal(other.requests.length, 0);
    } finally {
      await other.close();
    }
  });

  void it('reports a refused connection as "Cannot reach" with the reason', async () => {
    const url = deck.url;
    await deck.close();
    await assert.rejects(createCliClient({ baseUrl: url }).call(authApi.me), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.match(err.message, new RegExp(`^Cannot reach the Airlock server at ${url}: .*ECONNREFUSED`));
      return true;
    });
  });

  void describe('timeouts', () => {
    let silent: Server;
    let silentUrl: string;
    before(async () => {
      // Accepts the request and never answers.
      silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });
    after(async () => {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    void it('gives up after the timeout with a clear message', async () => {
      const t0 = Date.now();
      await assert.rejects(
        createCliClient({ baseUrl: silentUrl, timeoutMs: 200 }).call(systemApi.health),
        /Cannot reach .*no answer within 0\.2 s/,
      );
      assert.ok(Date.now() - t0 < 5000);
    });
  });

  void describe('unlock_required', () => {
    void it('unlocks with the supplied password and retries exactly once', async () => {
      let unlocked = false;
      deck.on('PATCH', '/api/users/u1', () =>
        unlocked ? { body: user } : { status: 403, body: errorBody('unlock_required', 'Unlock first.') },
      );
      deck.on('POST', '/api/auth/unlock', (req) => {
        unlocked = (req.body as { password?: string }).password === 'hunter2hunter2';
        return unlocked
          ? { body: { unlockedUntil: '2030-01-01T00:00:00.000Z' } }
          : { status: 401, body: errorBody('unauthenticated', 'Wrong password.') };
      });
      let asked = 0;
      const client = createCliClient({
        baseUrl: deck.url,
        token: 'alk_a_b',
        unlockPassword: () => {
          asked++;
          return Promise.resolve('hunter2hunter2');
        },
      });
      assert.deepEqual(
        await client.call(usersApi.update, { params: { id: 'u1' }, body: { role: 'admin' } }),
        user,
      );
      assert.equal(asked, 1);
      assert.deepEqual(deck.calls(), ['PATCH /api/users/u1', 'POST /api/auth/unlock', 'PATCH /api/users/u1']);
      assert.equal(deck.requests[1]?.headers.authorization, 'Bearer alk_a_b');
    });

    void it('does not loop when the server still says unlock_required after unlocking', async () => {
      deck.on('PATCH', '/api/users/u1', { status: 403, body: errorBody('unlock_required', 'Unlock first.') });
      deck.on('POST', '/api/auth/unlock', { body: { unlockedUntil: '2030-01-01T00:00:00.000Z' } });
      const client = createCliClient({
        baseUrl: deck.url,
        token: 'alk_a_b',
        unlockPassword: () => Promise.resolve('pw'),
      });
      await assert.rejects(
        client.call(usersApi.update, { params: { id: 'u1' }, body: { role: 'admin' } }),
        (err: unknown) => err instanceof ApiError && err.code === 'unlock_required',
      );
      assert.equal(deck.requests.length, 3);
    });

    void it('without a password source, unlock_required is an ordinary error', async () => {
      deck.on('PATCH', '/api/users/u1', { status: 403, body: errorBody('unlock_required', 'Unlock first.') });
      await assert.rejects(
        createCliClient({ baseUrl: deck.url }).call(usersApi.update, {
          params: { id: 'u1' },
          body: { disabled: true },
        }),
        /Unlock first/,
      );
      assert.equal(deck.requests.length, 1);
    });
  });
});

void describe('normalizeBaseUrl', () => {
  void it('keeps scheme, host and path prefix, drops trailing slashes', () => {
    assert.equal(normalizeBaseUrl('http://127.0.0.1:7070/'), 'http://127.0.0.1:7070');
    assert.equal(normalizeBaseUrl('https://deck.example.com/airlock//'), 'https://deck.example.com/airlock');
  });
  void it('rejects what is not an http(s) URL, or carries credentials or a query', () => {
    for (const bad of ['127.0.0.1:7070', 'ftp://x', 'not a url', 'http://u:p@x', 'http://x/?a=1']) {
      assert.throws(() => normalizeBaseUrl(bad), UsageError, bad);
    }
  });
});
