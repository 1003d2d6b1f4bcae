import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import type { AuditEvent, AuditPage, AuditVerify } from '@airlock/contract/audit';
import { ADMIN, PASSWORD, startTestApp, type Caller, type TestApp } from '../support/app';

async function verify(t: TestApp, as: Caller): Promise<AuditVerify> {
  const res = await t.request('GET', '/api/audit/verify', { as });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<AuditVerify>();
}

async function page(t: TestApp, as: Caller, query: string): Promise<AuditPage> {
  const res = await t.request('GET', `/api/audit${query}`, { as });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<AuditPage>();
}

describe('audit events for security-relevant actions', () => {
  let t: TestApp;
  let admin: Caller;
  before(async () => {
    t = await startTestApp();
    admin = await t.setup();
  });
  after(() => t.close());

  it('records setup, logins, logout, unlock, users and tokens, and the chain verifies', async () => {
    const bad = await t.request('POST', '/api/auth/login', {
      body: { username: 'admin', password: 'nope-nope-nope' },
    });
    assert.equal(bad.statusCode, 401);
    const s = await t.login(ADMIN.username, ADMIN.password);
    await t.unlock(s);
    const uid = await t.createUser(s, 'ursula', 'viewer');
    const upd = await t.request('PATCH', `/api/users/${uid}`, { as: s, body: { role: 'operator' } });
    assert.equal(upd.statusCode, 200);
    const tok = await t.createToken(s, 'deploy');
    assert.equal((await t.request('DELETE', `/api/tokens/${tok.id}`, { as: s })).statusCode, 200);
    assert.equal((await t.request('POST', '/api/auth/logout', { as: s })).statusCode, 200);

    const { items } = await page(t, admin, '?limit=500');
    const actions = items.map((e) => e.action).reverse();
    assert.deepEqual(actions, [
      'setup.complete',
      'auth.login.failure',
      'auth.login.success',
      'auth.unlock',
      'user.create',
      'user.update',
      'token.create',
      'token.revoke',
      'auth.logout',
    ]);
    const byAction = (a: string) => items.find((e) => e.action === a) as AuditEvent;
    assert.equal(byAction('auth.login.failure').actorType, 'anonymous');
    assert.equal(byAction('auth.login.failure').details.reason, 'wrong password');
    assert.equal(byAction('user.create').actorName, 'admin');
    assert.equal(byAction('user.create').target, 'user:ursula');
    assert.deepEqual(byAction('user.update').details, { role: { from: 'viewer', to: 'operator' } });
    assert.equal(byAction('token.create').target, `token:${tok.id}`);
    // Secrets and password hashes never reach the log.
    const text = JSON.stringify(items);
    assert.ok(!text.includes(tok.secret.slice(-20)));
    assert.ok(!text.includes(PASSWORD) && !text.includes(ADMIN.password) && !text.includes('scrypt$'));

    assert.deepEqual(await verify(t, admin), { ok: true, checked: 9 });
  });

  it('pages newest first with limit/before/nextBefore and filters by action, actor and text', async () => {
    const first = await page(t, admin, '?limit=4');
    assert.deepEqual(
      first.items.map((e) => e.seq),
      [9, 8, 7, 6],
    );
    assert.equal(first.nextBefore, 6);
    const second = await page(t, admin, `?limit=4&before=${first.nextBefore}`);
    assert.deepEqual(
      second.items.map((e) => e.seq),
      [5, 4, 3, 2],
    );
    const last = await page(t, admin, `?limit=4&before=${second.nextBefore}`);
    assert.deepEqual(
      last.items.map((e) => e.seq),
      [1],
    );
    assert.equal(last.nextBefore, null);

    const logins = await page(t, admin, '?action=auth.login');
    assert.deepEqual(
      logins.items.map((e) => e.action),
      ['auth.login.success', 'auth.login.failure'],
    );
    // The action filter is a prefix, and LIKE wildcards in it are literal.
    assert.equal((await page(t, admin, '?action=auth.%25')).items.length, 0);
    const anon = await page(t, admin, '?actor=admin');
    assert.ok(anon.items.length >= 7 && anon.items.every((e) => e.actorName === 'admin'));
    const q = await page(t, admin, '?q=ursula');
    assert.deepEqual(
      q.items.map((e) => e.action),
      ['user.update', 'user.create'],
    );
    assert.equal((await t.request('GET', '/api/audit?limit=0', { as: admin })).statusCode, 400);
  });
});

describe('audit chain tamper detection', () => {
  /** A fresh app with `n` events after setup, and a raw connection like an attacker's. */
  async function chain(extra = 5) {
    const t = await startTestApp();
    const admin = await t.setup();
    for (let i = 0; i < extra; i++) {
      await t.app.services.audit.append({ actor: { type: 'system' }, action: 'test.event', details: { i } });
    }
    const raw = new SQLite(t.store.file);
    const done = async () => {
      raw.close();
      await t.close();
    };
    return { t, admin, raw, done };
  }
  const dropTriggers = (raw: SQLite.Database) => {
    raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  };
  /** An attacker with the database file drops the append-only triggers and edits; then verify. */
  async function tamperAndVerify(edit: (raw: SQLite.Database) => void): Promise<AuditVerify> {
    const { t, admin, raw, done } = await chain();
    try {
      dropTriggers(raw);
      edit(raw);
      return await verify(t, admin);
    } finally {
      await done();
    }
  }

  it('the table is append-only: UPDATE and DELETE fail while the triggers exist', async () => {
    const { t, admin, raw, done } = await chain(1);
    try {
      assert.throws(
        () => raw.prepare("UPDATE audit_events SET details = '{}' WHERE seq = 1").run(),
        /append-only/,
      );
      assert.throws(() => raw.prepare('DELETE FROM audit_events WHERE seq = 2').run(), /append-only/);
      assert.deepEqual(await verify(t, admin), { ok: true, checked: 2 });
    } finally {
      await done();
    }
  });

  it('detects an edited row', async () => {
    const v = await tamperAndVerify((raw) => {
      raw.prepare(`UPDATE audit_events SET details = '{"i":99}' WHERE seq = 3`).run();
    });
    assert.equal(v.ok, false);
    assert.equal(v.firstBadSeq, 3);
    assert.equal(v.checked, 2);
  });

  it('detects a deleted middle row', async () => {
    const v = await tamperAndVerify((raw) => {
      raw.prepare('DELETE FROM audit_events WHERE seq = 4').run();
    });
    assert.equal(v.ok, false);
    assert.equal(v.firstBadSeq, 4);
  });

  it('detects two rows swapped (reordered)', async () => {
    const v = await tamperAndVerify((raw) => {
      const cols = [
        'ts',
        'actor_type',
        'actor_id',
        'actor_name',
        'action',
        'target',
        'details',
        'prev_hash',
        'hash',
      ];
      const get = (seq: number) =>
        raw.prepare(`SELECT ${cols.join(',')} FROM audit_events WHERE seq = ?`).get(seq) as Record<
          string,
          unknown
        >;
      const a = get(3);
      const b = get(4);
      const put = raw.prepare(
        `UPDATE audit_events SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE seq = @seq`,
      );
      put.run({ ...b, seq: 3 });
      put.run({ ...a, seq: 4 });
    });
    assert.equal(v.ok, false);
    assert.equal(v.firstBadSeq, 3);
  });

  it('detects the newest rows deleted (via the head file)', async () => {
    const v = await tamperAndVerify((raw) => {
      raw.prepare('DELETE FROM audit_events WHERE seq = 6').run();
    });
    assert.equal(v.ok, false);
    assert.equal(v.firstBadSeq, 6);
    assert.equal(v.checked, 5);
  });

  it('detects a rewritten last row with a self-consistent prev_hash', async () => {
    const v = await tamperAndVerify((raw) => {
      raw.prepare(`UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 6`).run();
    });
    assert.equal(v.ok, false);
    assert.equal(v.firstBadSeq, 6);
  });
});
