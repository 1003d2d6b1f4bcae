// Users change their own password (with the current one), and an admin can require a new one at
// the next sign-in: until then the account reaches nothing but who-am-I, sign-out and the change,
// whatever credential it uses, and its live sockets close. Issue 8 §2.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Me } from '@airlock/contract/auth';
import { SocketClose } from '@airlock/contract/socket-close';
import { PASSWORD, assertError, type Caller, type TestApp } from '../support/app';
import { openWs, startFleetApp, type FleetApp } from '../support/fleet';

const NEW_PW = 'a brand new password 1';

describe('own password change and required change', () => {
  let f: FleetApp;
  let t: TestApp;
  let admin: Caller;

  before(async () => {
    f = await startFleetApp();
    t = f.t;
    admin = f.admin;
  });
  after(() => f.close());

  const change = (as: Caller, currentPassword: string, newPassword: string) =>
    t.request('POST', '/api/auth/password', { as, body: { currentPassword, newPassword } });

  it('checks the current password, keeps this session, ends the others, leaves tokens', async () => {
    await t.createUser(admin, 'carol', 'viewer');
    const here = await t.login('carol', PASSWORD);
    const elsewhere = await t.login('carol', PASSWORD);
    await t.unlock(here);
    const token = await t.createToken(here, 'laptop');

    const wrong = assertError(await change(here, 'not my password', NEW_PW), 403, 'forbidden');
    assert.match(wrong.message, /current password is wrong/);
    assertError(await change(here, PASSWORD, PASSWORD), 400, 'validation_failed');
    assertError(
      await t.request('POST', '/api/auth/password', {
        as: here,
        csrf: false,
        body: { currentPassword: PASSWORD, newPassword: NEW_PW },
      }),
      403,
      'csrf_failed',
    );

    const ok = await change(here, PASSWORD, NEW_PW);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(
      (await t.request('GET', '/api/auth/me', { as: here })).statusCode,
      200,
      'this session stays',
    );
    assertError(await t.request('GET', '/api/auth/me', { as: elsewhere }), 401, 'unauthenticated');
    const viaToken = await t.request('GET', '/api/auth/me', {
      as: { ...here, cookie: undefined, csrf: undefined, bearer: token.secret },
    });
    assert.equal(viaToken.statusCode, 200, 'API tokens are credentials of their own');
    assertError(
      await t.request('POST', '/api/auth/login', { body: { username: 'carol', password: PASSWORD } }),
      401,
    );
    await t.login('carol', NEW_PW);

    const audit = await t.request('GET', '/api/audit?action=auth.password&limit=10', { as: admin });
    const actions = audit.json<{ items: { action: string }[] }>().items.map((e) => e.action);
    assert.deepEqual(actions.sort(), ['auth.password.change', 'auth.password.failure']);
    assert.ok(
      !audit.body.includes(NEW_PW) && !audit.body.includes('not my password'),
      'no password in the audit',
    );
  });

  it('a required change opens nothing else until done, for sessions and tokens alike', async () => {
    const created = await t.request('POST', '/api/users', {
      as: admin,
      body: { username: 'dave', password: PASSWORD, role: 'operator', mustChangePassword: true },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json<{ mustChangePassword: boolean }>().mustChangePassword, true);

    const dave = await t.login('dave', PASSWORD);
    const me = (await t.request('GET', '/api/auth/me', { as: dave })).json<Me>();
    assert.equal(me.user.mustChangePassword, true);
    const refused = assertError(
      await t.request('GET', '/api/containers', { as: dave }),
      403,
      'password_change_required',
    );
    assert.match(refused.message, /POST \/api\/auth\/password/);
    assertError(
      await t.request('POST', '/api/tokens', { as: dave, body: { name: 'x' } }),
      403,
      'password_change_required',
    );
    assertError(
      await t.request('POST', '/api/auth/unlock', { as: dave, body: { password: PASSWORD } }),
      403,
      'password_change_required',
    );

    assert.equal((await change(dave, PASSWORD, NEW_PW)).statusCode, 200);
    assert.equal((await t.request('GET', '/api/containers', { as: dave })).statusCode, 200);
    assert.equal(
      (await t.request('GET', '/api/auth/me', { as: dave })).json<Me>().user.mustChangePassword,
      false,
    );

    // Set later on an account with a token and an open stream: both stop at once.
    await t.unlock(dave, NEW_PW);
    const token = await t.createToken(dave, 'ci');
    const bearer: Caller = { ...dave, cookie: undefined, csrf: undefined, bearer: token.secret };
    const ws = await openWs(f, '/api/stream', dave);
    const users = (await t.request('GET', '/api/users', { as: admin })).json<{
      items: { id: string; username: string }[];
    }>();
    const id = users.items.find((u) => u.username === 'dave')!.id;
    const set = await t.request('PATCH', `/api/users/${id}`, {
      as: admin,
      body: { mustChangePassword: true },
    });
    assert.equal(set.statusCode, 200, set.body);
    assertError(await t.request('GET', '/api/containers', { as: bearer }), 403, 'password_change_required');
    assertError(await t.request('GET', '/api/containers', { as: dave }), 403, 'password_change_required');
    const closed = await Promise.race([ws.closed, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    assert.equal(closed?.code, SocketClose.passwordChangeRequired, 'the live stream closed with its reason');
  });
});
