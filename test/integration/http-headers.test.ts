import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type Caller, type TestApp } from '../support/app';

// Every API answer, successes and refusals alike, tells caches and proxies not to keep it: answers
// carry tokens (a created API token's secret, the CSRF token in /me), log lines and audit entries.
describe('API answers are never cached', () => {
  let t: TestApp;
  let admin: Caller;
  before(async () => {
    t = await startTestApp();
    admin = await t.setup();
    await t.unlock(admin);
  });
  after(() => t?.close());

  it('carries Cache-Control: no-store on 200, 201, 400, 401, 404 and 426 answers under /api', async () => {
    const answers = [
      await t.request('GET', '/api/health'),
      await t.request('GET', '/api/auth/me', { as: admin }),
      await t.request('POST', '/api/tokens', { as: admin, body: { name: 'cached?' } }),
      await t.request('POST', '/api/tokens', { as: admin, body: { name: '' } }),
      await t.request('GET', '/api/users'),
      await t.request('GET', '/api/no-such-route'),
      await t.request('GET', '/api/stream', { as: admin }),
    ];
    assert.deepEqual(
      answers.map((r) => r.statusCode),
      [200, 200, 201, 400, 401, 404, 426],
    );
    for (const r of answers)
      assert.equal(r.headers['cache-control'], 'no-store', `${r.statusCode} ${r.body}`);
  });

  it('carries the correlation id and the browser hardening headers on every answer', async () => {
    for (const r of [await t.request('GET', '/api/health'), await t.request('GET', '/api/users')]) {
      assert.equal(typeof r.headers['x-correlation-id'], 'string');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
    }
  });
});
