import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CSRF_HEADER, SESSION_COOKIE } from '@airlock/contract/auth';
import type { CreatedHost, HostList } from '@airlock/contract/hosts';
import type { CreatedToken, TokenList } from '@airlock/contract/tokens';
import { startFleetApp, type FleetApp } from '../support/fleet';
import type { Caller } from '../support/app';

// Issue 8 §1: names people give hosts and tokens are shown to other people; spoofing characters
// and lone surrogates are refused over the wire, with the character and where it is.
describe('display names over HTTP', () => {
  let f: FleetApp;

  before(async () => {
    f = await startFleetApp();
  });
  after(async () => {
    await f?.close();
  });

  /** A POST whose body goes out byte for byte as given (a string is sent as its UTF-8). */
  const post = async (path: string, as: Caller, body: string | Uint8Array) => {
    const res = await fetch(`${f.url}${path}`, {
      method: 'POST',
      headers: {
        cookie: `${SESSION_COOKIE}=${as.cookie}`,
        [CSRF_HEADER]: as.csrf ?? '',
        'content-type': 'application/json',
      },
      body,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const hostLabels = async () =>
    (await f.t.request('GET', '/api/hosts', { as: f.admin })).json<HostList>().items.map((h) => h.label);
  const tokenNames = async () =>
    (await f.t.request('GET', '/api/tokens', { as: f.operator })).json<TokenList>().items.map((t) => t.name);

  it('POST /api/hosts refuses a label with a right-to-left override and says where it is', async () => {
    const res = await post(
      '/api/hosts',
      f.admin,
      JSON.stringify({ kind: 'agent', label: 'web\u202Egnp.exe' }),
    );
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.code, 'validation_failed');
    assert.match(
      String(res.json.message),
      /body\.label: must not contain invisible or direction-changing characters \(U\+202E at position 4\)/,
    );
    assert.deepEqual(await hostLabels(), []);
  });

  it('POST /api/hosts refuses zero-width and C1 characters', async () => {
    for (const label of ['ad\u200Bmin', 'rack\u00853']) {
      const res = await post('/api/hosts', f.admin, JSON.stringify({ kind: 'agent', label }));
      assert.equal(res.status, 400, label);
      assert.match(String(res.json.message), /U\+(200B|0085) at position [35]/);
    }
    assert.deepEqual(await hostLabels(), []);
  });

  it('POST /api/hosts refuses a lone surrogate sent as a JSON escape, instead of storing U+FFFD', async () => {
    // The body holds the six characters \ud800; JSON.parse keeps the lone surrogate.
    const res = await post('/api/hosts', f.admin, '{"kind":"agent","label":"db\\ud800"}');
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.match(
      String(res.json.message),
      /lone UTF-16 surrogate, half of a character \(U\+D800 at position 3\)/,
    );
    assert.deepEqual(await hostLabels(), []);
  });

  it('POST /api/hosts refuses a surrogate encoded as raw bytes (invalid UTF-8), instead of storing U+FFFD', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"kind":"agent","label":"db'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    const res = await post('/api/hosts', f.admin, bytes);
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.match(String(res.json.message), /not valid UTF-8/);
    assert.deepEqual(await hostLabels(), []);
  });

  it('POST /api/hosts still takes an international label, stored as sent', async () => {
    const res = await post('/api/hosts', f.admin, JSON.stringify({ kind: 'agent', label: 'Zürich 東京 😀' }));
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal((res.json as unknown as CreatedHost).host.label, 'Zürich 東京 😀');
    assert.deepEqual(await hostLabels(), ['Zürich 東京 😀']);
  });

  it('POST /api/tokens refuses bidi, zero-width, control characters and lone surrogates in the name', async () => {
    for (const [raw, where] of [
      [JSON.stringify({ name: 'ci\u2066deploy' }), /U\+2066 at position 3/],
      [JSON.stringify({ name: '\uFEFFci' }), /U\+FEFF at position 1/],
      [JSON.stringify({ name: 'ci\u001b[31m' }), /control characters \(U\+001B at position 3\)/],
      ['{"name":"ci\\udc00"}', /lone UTF-16 surrogate, half of a character \(U\+DC00 at position 3\)/],
    ] as const) {
      const res = await post('/api/tokens', f.operator, raw);
      assert.equal(res.status, 400, raw);
      assert.match(String(res.json.message), /^body\.name: /);
      assert.match(String(res.json.message), where);
    }
    assert.deepEqual(await tokenNames(), []);
    const ok = await post('/api/tokens', f.operator, JSON.stringify({ name: 'déploiement CI' }));
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    assert.equal((ok.json as unknown as CreatedToken).token.name, 'déploiement CI');
  });
});
