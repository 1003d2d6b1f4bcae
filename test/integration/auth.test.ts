import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Me } from '@airlock/contract/auth';
import {
  ADMIN,
  PASSWORD,
  assertError,
  sessionCookie,
  startTestApp,
  type Caller,
  type TestApp,
} from '../support/app';

describe('first-run setup', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('is open, guarded by a 0600 one-time token, validates, then closes for good', async () => {
    const status = await t.request('GET', '/api/setup');
    assert.deepEqual(status.json(), { needsSetup: true });
    const token = await t.app.services.setup.prepare();
    assert.ok(token);
    const tokenFile = path.join(t.home, 'setup-token');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);

    const wrong = await t.request('POST', '/api/setup', {
      body: { token: 'not-the-token', username: 'admin', password: ADMIN.password },
    });
    assertError(wrong, 403, 'forbidden');
    const short = await t.request('POST', '/api/setup', {
      body: { token, username: 'admin', password: 'short' },
    });
    const body = assertError(short, 400, 'validation_failed');
    assert.ok(
      (body.details as { path: string }[]).some((d) => d.path === 'body.password'),
      JSON.stringify(body.details),
    );
    assert.equal((await t.counts()).users, 0);

    const ok = await t.request('POST', '/api/setup', {
      body: { token, username: 'admin', password: ADMIN.password },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    const setCookie = String(ok.headers['set-cookie']);
    assert.match(setCookie, /airlock_session=/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\//);
    assert.equal(ok.json<Me>().user.role, 'admin');
    assert.equal(existsSync(tokenFile), false, 'the setup token file must be deleted');

    assert.deepEqual((await t.request('GET', '/api/setup')).json(), { needsSetup: false });
    const again = await t.request('POST', '/api/setup', {
      body: { token, username: 'evil', password: ADMIN.password },
    });
    assertError(again, 409, 'setup_closed');
    assert.equal((await t.counts()).users, 1);
  });
});

describe('login, sessions, unlock, tokens', () => {
  let t: TestApp;
  let admin: Caller;
  before(async () => {
    t = await startTestApp({ login: { maxFailuresPerAddress: 100 } });
    admin = await t.setup();
    await t.unlock(admin);
  });
  after(() => t.close());

  it('wrong password is 401; five failures lock the account at that address even for the right password', async () => {
    await t.createUser(admin, 'lockme', 'viewer');
    for (let i = 0; i < 5; i++) {
      assertError(
        await t.request('POST', '/api/auth/login', {
          body: { username: 'lockme', password: 'wrong-password-x' },
        }),
        401,
        'unauthenticated',
      );
    }
    const locked = await t.request('POST', '/api/auth/login', {
      body: { username: 'lockme', password: PASSWORD },
    });
    const refusal = assertError(locked, 429, 'rate_limited');
    assert.equal(sessionCookie(locked), undefined);
    const retryAfter = Number(locked.headers['retry-after']);
    assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `Retry-After ${locked.headers['retry-after']}`);
    assert.deepEqual(refusal.details, { retryAfterSeconds: retryAfter });
    // The lockout is audited once; hammering a locked account does not grow the log.
    const auditBefore = (await t.counts()).audit;
    for (let i = 0; i < 5; i++) {
      assertError(
        await t.request('POST', '/api/auth/login', { body: { username: 'lockme', password: PASSWORD } }),
        429,
        'rate_limited',
      );
    }
    assert.equal((await t.counts()).audit, auditBefore);
    const failures = await t.store.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'auth.login.failure')
      .execute();
    assert.equal(failures.filter((f) => f.details.includes('"lockedOut":true')).length, 1);
    // Per account: another user at the same address still signs in.
    await t.login(ADMIN.username, ADMIN.password);
    // Per address: the same account from another address still signs in.
    const elsewhere = await t.request('POST', '/api/auth/login', {
      body: { username: 'lockme', password: PASSWORD },
      remoteAddress: '192.0.2.44',
    });
    assert.equal(elsewhere.statusCode, 200, elsewhere.body);
  });

  it('every login rotates the session; logout kills it', async () => {
    const a = await t.login(ADMIN.username, ADMIN.password);
    const b = await t.login(ADMIN.username, ADMIN.password);
    assert.ok(a.cookie && b.cookie);
    assert.notEqual(a.cookie, b.cookie);
    assert.notEqual(a.csrf, b.csrf);
    const out = await t.request('POST', '/api/auth/logout', { as: a });
    assert.equal(out.statusCode, 200, out.body);
    assertError(await t.request('GET', '/api/auth/me', { as: a }), 401, 'unauthenticated');
    assert.equal((await t.request('GET', '/api/auth/me', { as: b })).statusCode, 200);
  });

  it('idle and absolute expiry end a session', async () => {
    const idle = await t.login(ADMIN.username, ADMIN.password);
    const abs = await t.login(ADMIN.username, ADMIN.password);
    const past = new Date(Date.now() - 9 * 3_600_000).toISOString();
    const latest = await t.store.db
      .selectFrom('sessions')
      .select(['id', 'created_at'])
      .orderBy('created_at', 'desc')
      .execute();
    const [absId, idleId] = latest.map((r) => r.id);
    assert.ok(absId && idleId);
    await t.store.db.updateTable('sessions').set({ last_seen_at: past }).where('id', '=', idleId).execute();
    await t.store.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', absId)
      .execute();
    assertError(await t.request('GET', '/api/auth/me', { as: idle }), 401, 'unauthenticated');
    assertError(await t.request('GET', '/api/auth/me', { as: abs }), 401, 'unauthenticated');
  });

  it('a disabled user cannot sign in and their session stops working', async () => {
    const id = await t.createUser(admin, 'dora', 'operator');
    const dora = await t.login('dora', PASSWORD);
    const res = await t.request('PATCH', `/api/users/${id}`, { as: admin, body: { disabled: true } });
    assert.equal(res.statusCode, 200, res.body);
    assertError(await t.request('GET', '/api/auth/me', { as: dora }), 401, 'unauthenticated');
    assertError(
      await t.request('POST', '/api/auth/login', { body: { username: 'dora', password: PASSWORD } }),
      401,
      'unauthenticated',
    );
  });

  it('unlock: wrong password opens nothing; right password opens a ~10 minute window', async () => {
    const s = await t.login(ADMIN.username, ADMIN.password);
    const bad = await t.request('POST', '/api/auth/unlock', {
      as: s,
      body: { password: 'wrong-password-y' },
    });
    assertError(bad, 403, 'forbidden');
    assert.equal((await t.request('GET', '/api/auth/me', { as: s })).json<Me>().unlockedUntil, null);
    assertError(
      await t.request('POST', '/api/tokens', { as: s, body: { name: 'x' } }),
      403,
      'unlock_required',
    );

    const ok = await t.request('POST', '/api/auth/unlock', { as: s, body: { password: ADMIN.password } });
    assert.equal(ok.statusCode, 200, ok.body);
    const until = Date.parse(ok.json<{ unlockedUntil: string }>().unlockedUntil);
    const ahead = until - Date.now();
    assert.ok(ahead > 9 * 60_000 && ahead <= 10 * 60_000 + 1000, `unlock window ${ahead} ms`);
    assert.equal((await t.request('GET', '/api/auth/me', { as: s })).json<Me>().unlockedUntil !== null, true);
  });

  it('API tokens: work as Bearer, track last use, follow the owner role, unlock, and die on revoke', async () => {
    const id = await t.createUser(admin, 'olga', 'admin');
    const olga = await t.login('olga', PASSWORD);
    await t.unlock(olga);
    const { id: tokenId, secret } = await t.createToken(olga, 'ci');
    assert.match(secret, /^alk_/);
    const bearer: Caller = { ...olga, cookie: undefined, csrf: undefined, bearer: secret };
    const listed = await t.request('GET', '/api/tokens', { as: olga });
    assert.equal(listed.json<{ items: { lastUsedAt: string | null }[] }>().items[0]?.lastUsedAt, null);
    assert.ok(!listed.body.includes(secret.slice(-20)), 'the list must not contain the secret');

    const me = await t.request('GET', '/api/auth/me', { as: bearer });
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json<Me>().via, 'token');
    assert.equal(me.json<Me>().user.username, 'olga');
    const after1 = await t.request('GET', '/api/tokens', { as: bearer });
    assert.ok(after1.json<{ items: { lastUsedAt: string | null }[] }>().items[0]?.lastUsedAt);

    // Admin token can list users; after demotion the same token cannot.
    assert.equal((await t.request('GET', '/api/users', { as: bearer })).statusCode, 200);
    const demote = await t.request('PATCH', `/api/users/${id}`, { as: admin, body: { role: 'viewer' } });
    assert.equal(demote.statusCode, 200, demote.body);
    assertError(await t.request('GET', '/api/users', { as: bearer }), 403, 'forbidden');
    assert.equal((await t.request('GET', '/api/auth/me', { as: bearer })).json<Me>().user.role, 'viewer');

    // Tokens unlock with the owner's password, without CSRF.
    assertError(
      await t.request('POST', '/api/tokens', { as: bearer, body: { name: 'x' } }),
      403,
      'unlock_required',
    );
    const un = await t.request('POST', '/api/auth/unlock', { as: bearer, body: { password: PASSWORD } });
    assert.equal(un.statusCode, 200, un.body);
    assert.equal(
      (await t.request('POST', '/api/tokens', { as: bearer, body: { name: 'x' } })).statusCode,
      201,
    );

    // Demotion ended olga's cookie sessions; she revokes the token with the token itself.
    assertError(await t.request('GET', '/api/auth/me', { as: olga }), 401, 'unauthenticated');
    const rev = await t.request('DELETE', `/api/tokens/${tokenId}`, { as: bearer });
    assert.equal(rev.statusCode, 200, rev.body);
    assertError(await t.request('GET', '/api/auth/me', { as: bearer }), 401, 'unauthenticated');
  });

  it('refuses hostile bodies with the standard error shape', async () => {
    const deep = '['.repeat(100) + ']'.repeat(100);
    assertError(await t.request('POST', '/api/auth/login', { raw: deep }), 400, 'validation_failed');
    const huge = JSON.stringify({ username: 'a', password: 'x'.repeat(t.config.bodyLimit + 10) });
    assertError(await t.request('POST', '/api/auth/login', { raw: huge }), 413, 'payload_too_large');
    assertError(
      await t.request('POST', '/api/auth/login', { raw: '{"username": ' }),
      400,
      'validation_failed',
    );
    assertError(
      await t.request('POST', '/api/auth/login', {
        raw: 'username=a',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'validation_failed',
    );
    assertError(await t.request('GET', '/api/nope'), 404, 'not_found');
  });

  it('the last active admin cannot be demoted or disabled', async () => {
    const admins = await t.store.db.selectFrom('users').select('id').where('role', '=', 'admin').execute();
    // Olga was demoted above; the setup admin is the only one left.
    assert.equal(admins.length, 1);
    for (const body of [{ role: 'operator' }, { disabled: true }]) {
      assertError(
        await t.request('PATCH', `/api/users/${admin.userId}`, { as: admin, body }),
        409,
        'conflict',
      );
    }
    assert.equal((await t.request('GET', '/api/users', { as: admin })).statusCode, 200);
  });
});

describe('per-address lockout', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ login: { maxFailuresPerAddress: 3 } });
    await t.setup();
  });
  after(() => t.close());

  it('locks an address out across usernames', async () => {
    for (const username of ['alice', 'bob', 'carol']) {
      assertError(
        await t.request('POST', '/api/auth/login', { body: { username, password: 'guessing-password' } }),
        401,
        'unauthenticated',
      );
    }
    const res = await t.request('POST', '/api/auth/login', {
      body: { username: ADMIN.username, password: ADMIN.password },
    });
    assertError(res, 429, 'rate_limited');
    // Only that address: the admin elsewhere is not refused.
    const elsewhere = await t.request('POST', '/api/auth/login', {
      body: { username: ADMIN.username, password: ADMIN.password },
      remoteAddress: '192.0.2.45',
    });
    assert.equal(elsewhere.statusCode, 200, elsewhere.body);
  });
});

describe('strangers cannot lock the admin out (issue 8 §1)', () => {
  let t: TestApp;
  before(async () => {
    // Real defaults: 5 per account and address, 20 per address, 15 min, at most 3 s of delay.
    t = await startTestApp();
    await t.setup();
  });
  after(() => t.close());

  const attempt = (password: string, remoteAddress: string) =>
    t.request('POST', '/api/auth/login', { body: { username: ADMIN.username, password }, remoteAddress });

  it('failures for admin from address A, and from many others, never refuse the right password from address B', async () => {
    for (let i = 0; i < 5; i++)
      assertError(await attempt(`guess-a-${i}`, '10.0.0.1'), 401, 'unauthenticated');
    // A is locked out of admin, even with the right password, and told for how long.
    const atA = await attempt(ADMIN.password, '10.0.0.1');
    assertError(atA, 429, 'rate_limited');

    // A botnet: four more addresses, five guesses each, all at once.
    const guesses = [];
    for (let a = 2; a <= 5; a++)
      for (let i = 0; i < 5; i++) guesses.push(attempt(`guess-${a}-${i}`, `10.0.0.${a}`));
    for (const res of await Promise.all(guesses)) assertError(res, 401, 'unauthenticated');

    // B: the right password works, slowed by at most the 3 s cap (plus the hash itself).
    const started = Date.now();
    const atB = await attempt(ADMIN.password, '192.0.2.10');
    const took = Date.now() - started;
    assert.equal(atB.statusCode, 200, atB.body);
    assert.ok(sessionCookie(atB));
    assert.ok(took >= 2_900 && took < 6_000, `took ${took} ms`);
    // The success ended the pressure on the account; A stays locked out.
    const next = Date.now();
    assert.equal((await attempt(ADMIN.password, '192.0.2.11')).statusCode, 200);
    assert.ok(Date.now() - next < 2_000, `took ${Date.now() - next} ms`);
    assertError(await attempt(ADMIN.password, '10.0.0.1'), 429, 'rate_limited');
    assert.ok(Number(atA.headers['retry-after']) > 14 * 60, `Retry-After ${atA.headers['retry-after']}`);
  });

  it("unlock and password change count against the same limiter at the caller's address", async () => {
    const s = await t.login(ADMIN.username, ADMIN.password);
    for (let i = 0; i < 5; i++)
      assertError(
        await t.request('POST', '/api/auth/unlock', { as: s, body: { password: `wrong-unlock-${i}` } }),
        403,
        'forbidden',
      );
    const locked = await t.request('POST', '/api/auth/unlock', { as: s, body: { password: ADMIN.password } });
    assertError(locked, 429, 'rate_limited');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assertError(
      await t.request('POST', '/api/auth/password', {
        as: s,
        body: { currentPassword: ADMIN.password, newPassword: 'another-password-456' },
      }),
      429,
      'rate_limited',
    );
    // Through the same session from another address (the user moved networks), it works.
    const ok = await t.request('POST', '/api/auth/unlock', {
      as: s,
      body: { password: ADMIN.password },
      remoteAddress: '192.0.2.12',
    });
    assert.equal(ok.statusCode, 200, ok.body);
  });
});

describe('failed sign-ins with unknown usernames (issue 8 §1)', () => {
  let t: TestApp;
  let admin: Caller;
  before(async () => {
    t = await startTestApp();
    admin = await t.setup();
  });
  after(() => t.close());

  it('are audited under a keyed hash of the name, never the name itself', async () => {
    const secret = 'hunter2-secret';
    for (const remoteAddress of ['10.9.0.1', '10.9.0.2'])
      assertError(
        await t.request('POST', '/api/auth/login', {
          body: { username: secret, password: 'whatever-password' },
          remoteAddress,
        }),
        401,
        'unauthenticated',
      );
    assertError(
      await t.request('POST', '/api/auth/login', {
        body: { username: 'other-name', password: 'whatever-pw' },
      }),
      401,
      'unauthenticated',
    );
    assertError(
      await t.request('POST', '/api/auth/login', {
        body: { username: ADMIN.username, password: 'wrong-one-1' },
      }),
      401,
      'unauthenticated',
    );

    const listed = await t.request('GET', '/api/audit?limit=100', { as: admin });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.ok(!listed.body.includes(secret), 'the audit API must not contain the typed name');
    const failures = listed
      .json<{ items: { action: string; target: string | null; actorName: string | null }[] }>()
      .items.filter((e) => e.action === 'auth.login.failure');
    assert.equal(failures.length, 4);
    const targets = failures.map((e) => e.target).reverse();
    const [first, second, other, known] = targets;
    assert.match(first ?? '', /^user-unknown:[0-9a-f]{16}$/);
    assert.equal(second, first, 'the same name correlates');
    assert.match(other ?? '', /^user-unknown:[0-9a-f]{16}$/);
    assert.notEqual(other, first);
    assert.equal(known, 'user:admin', 'an existing account keeps its name');

    // Keyed with an HKDF subkey of the master key: not a plain hash, not the raw key.
    const masterKey = Buffer.from(readFileSync(path.join(t.home, 'master.key'), 'utf8').trim(), 'hex');
    const subkey = Buffer.from(
      hkdfSync('sha256', masterKey, Buffer.alloc(0), 'airlock audit unknown username v1', 32),
    );
    assert.equal(
      first,
      `user-unknown:${createHmac('sha256', subkey).update(secret).digest('hex').slice(0, 16)}`,
    );
    assert.notEqual(
      first?.slice(13),
      createHmac('sha256', masterKey).update(secret).digest('hex').slice(0, 16),
    );
    assert.notEqual(first?.slice(13), createHash('sha256').update(secret).digest('hex').slice(0, 16));

    // Nor anywhere in the database files (main file and write-ahead log).
    await t.store.db.selectFrom('audit_events').select('seq').execute();
    for (const f of readdirSync(t.home).filter((n) => n.startsWith('airlock.sqlite'))) {
      const bytes = readFileSync(path.join(t.home, f));
      assert.equal(bytes.includes(secret), false, `${f} contains the typed name`);
      assert.equal(bytes.includes(Buffer.from(secret, 'utf16le')), false, `${f} contains the typed name`);
    }
    assert.ok(readdirSync(t.home).some((n) => n === 'airlock.sqlite'));
  });
});
