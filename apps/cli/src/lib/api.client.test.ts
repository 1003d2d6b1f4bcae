import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { ApiClient, normalizeBaseUrl } from './api.client';
import { ApiError, CliError, UsageError } from './errors';
import { FakeDeck, errorBody } from './fake-deck.testing';

const Thing = z.object({ name: z.string() });

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
    deck.on('POST', '/api/things', { status: 201, body: { name: 'x', extra: true } });
    const client = new ApiClient({ baseUrl: deck.url + '/', token: 'alk_id_secret' });
    const got = await client.request('POST', '/api/things', Thing, {
      body: { a: 1 },
      query: { limit: 5, skip: undefined },
    });
    assert.deepEqual(got, { name: 'x' });
    const [req] = deck.requests;
    assert.equal(req?.headers.authorization, 'Bearer alk_id_secret');
    assert.equal(req?.query.get('limit'), '5');
    assert.equal(req?.query.has('skip'), false);
    assert.deepEqual(req?.body, { a: 1 });
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
    const client = new ApiClient({ baseUrl: deck.url, token: 'alk_a_b' });
    await assert.rejects(client.request('GET', '/api/auth/me', Thing), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'unauthenticated');
      assert.equal(err.message, 'Sign in first.');
      assert.equal(err.correlationId, 'corr-401');
      return true;
    });
  });

  void it('describes a non-Airlock error answer (e.g. a proxy page) by status and text', async () => {
    deck.on('GET', '/api/x', {
      status: 502,
      body: '<html>Bad gateway from nginx</html>',
      headers: { 'content-type': 'text/html' },
    });
    await assert.rejects(
      new ApiClient({ baseUrl: deck.url }).request('GET', '/api/x', Thing),
      (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, null);
        assert.match(err.message, /HTTP 502 Bad Gateway: <html>Bad gateway from nginx/);
        return true;
      },
    );
  });

  void it('rejects a success answer of the wrong shape instead of guessing', async () => {
    deck.on('GET', '/api/x', { body: { nom: 'x' } });
    await assert.rejects(
      new ApiClient({ baseUrl: deck.url }).request('GET', '/api/x', Thing),
      /not what this CLI expects \(name: /,
    );
  });

  void it('does not follow redirects, so the token never goes anywhere else', async () => {
    const other = new FakeDeck().on('GET', '/api/x', { body: { name: 'stolen' } });
    await other.start();
    try {
      deck.on('GET', '/api/x', { status: 302, headers: { location: other.url + '/api/x' } });
      await assert.rejects(
        new ApiClient({ baseUrl: deck.url, token: 'alk_a_b' }).request('GET', '/api/x', Thing),
        /redirected GET \/api\/x/,
      );
      assert.equal(other.requests.length, 0);
    } finally {
      await other.close();
    }
  });

  void it('reports a refused connection as "Cannot reach" with the reason', async () => {
    const url = deck.url;
    await deck.close();
    await assert.rejects(
      new ApiClient({ baseUrl: url }).request('GET', '/api/auth/me', Thing),
      (err: unknown) => {
        assert.ok(err instanceof CliError);
        assert.match(err.message, new RegExp(`^Cannot reach the Airlock server at ${url}: .*ECONNREFUSED`));
        return true;
      },
    );
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
        new ApiClient({ baseUrl: silentUrl, timeoutMs: 200 }).request('GET', '/api/x', Thing),
        /Cannot reach .*no answer within 0\.2 s/,
      );
      assert.ok(Date.now() - t0 < 5000);
    });
  });

  void describe('unlock_required', () => {
    void it('unlocks with the supplied password and retries exactly once', async () => {
      let unlocked = false;
      deck.on('PATCH', '/api/users/u1', () =>
        unlocked
          ? { body: { name: 'ok' } }
          : { status: 403, body: errorBody('unlock_required', 'Unlock first.') },
      );
      deck.on('POST', '/api/auth/unlock', (req) => {
        unlocked = (req.body as { password?: string }).password === 'hunter2hunter2';
        return unlocked
          ? { body: { unlockedUntil: '2030-01-01T00:00:00.000Z' } }
          : { status: 401, body: errorBody('unauthenticated', 'Wrong password.') };
      });
      let asked = 0;
      const client = new ApiClient({
        baseUrl: deck.url,
        token: 'alk_a_b',
        unlockPassword: () => {
          asked++;
          return Promise.resolve('hunter2hunter2');
        },
      });
      assert.deepEqual(await client.request('PATCH', '/api/users/u1', Thing, { body: { role: 'admin' } }), {
        name: 'ok',
      });
      assert.equal(asked, 1);
      assert.deepEqual(deck.calls(), ['PATCH /api/users/u1', 'POST /api/auth/unlock', 'PATCH /api/users/u1']);
      assert.equal(deck.requests[1]?.headers.authorization, 'Bearer alk_a_b');
    });

    void it('does not loop when the server still says unlock_required after unlocking', async () => {
      deck.on('PATCH', '/api/users/u1', { status: 403, body: errorBody('unlock_required', 'Unlock first.') });
      deck.on('POST', '/api/auth/unlock', { body: { unlockedUntil: '2030-01-01T00:00:00.000Z' } });
      const client = new ApiClient({
        baseUrl: deck.url,
        token: 'alk_a_b',
        unlockPassword: () => Promise.resolve('pw'),
      });
      await assert.rejects(
        client.request('PATCH', '/api/users/u1', Thing),
        (err: unknown) => err instanceof ApiError && err.code === 'unlock_required',
      );
      assert.equal(deck.requests.length, 3);
    });

    void it('without a password source, unlock_required is an ordinary error', async () => {
      deck.on('PATCH', '/api/users/u1', { status: 403, body: errorBody('unlock_required', 'Unlock first.') });
      await assert.rejects(
        new ApiClient({ baseUrl: deck.url }).request('PATCH', '/api/users/u1', Thing),
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
