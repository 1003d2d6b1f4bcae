// Issue 8 §1: roles read from the store are parsed, not cast. The CHECK constraint keeps unknown
// roles out of users and api_tokens; a row written around it is refused, never let through.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { migrations } from '../../apps/server/src/db/migrations';
import { openStore } from '../../apps/server/src/db/db';
import type { Database } from '../../apps/server/src/db/schema';
import { ADMIN, PASSWORD, startTestApp, type Caller, type TestApp } from '../support/app';

const PREVIOUS = '0003_must_change_password';

describe('migration 0004_role_check on a database from the previous version', () => {
  let home: string;
  const file = () => path.join(home, 'airlock.sqlite');

  before(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'airlock-roles-'));
    // Build the store exactly as the release before this migration left it, and fill it.
    const sqlite = new SQLite(file());
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const upTo = Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= PREVIOUS));
    const { error } = await new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(upTo) },
    }).migrateToLatest();
    assert.equal(error, undefined);
    const user = (id: string, role: string, extra: Partial<Database['users']> = {}) => ({
      id,
      username: id,
      password_hash: `hash-${id}`,
      role,
      disabled: 0,
      created_at: '2025-01-01T00:00:00.000Z',
      last_login_at: '2025-02-01T00:00:00.000Z',
      must_change_password: 0,
      ...extra,
    });
    await db
      .insertInto('users')
      .values([
        user('ada', 'admin', { must_change_password: 1 }),
        user('olga', 'operator', { last_login_at: null }),
        user('vic', 'viewer', { disabled: 1 }),
        // A manual edit before the CHECK existed.
        user('mallory', 'superadmin'),
      ])
      .execute();
    const session = (id: string, userId: string) => ({
      id,
      user_id: userId,
      csrf_token: `csrf-${id}`,
      created_at: '2025-01-01T00:00:00.000Z',
      last_seen_at: '2025-01-01T00:00:00.000Z',
      expires_at: '2099-01-01T00:00:00.000Z',
      unlocked_until: null,
      client_ip: '127.0.0.1',
      user_agent: 'test',
    });
    await db
      .insertInto('sessions')
      .values([session('s-ada', 'ada'), session('s-olga', 'olga')])
      .execute();
    const token = (id: string, userId: string, role: string) => ({
      id,
      user_id: userId,
      name: `token ${id}`,
      prefix: `alk_${id}`,
      secret_hash: `h-${id}`,
      role,
      created_at: '2025-01-01T00:00:00.000Z',
      last_used_at: '2025-01-02T00:00:00.000Z',
      expires_at: null,
      revoked_at: null,
      unlocked_until: '2025-01-03T00:00:00.000Z',
    });
    await db
      .insertInto('api_tokens')
      .values([
        token('t-olga', 'olga', 'operator'),
        token('t-ada', 'ada', 'admin'),
        token('t-bad', 'olga', 'root'),
      ])
      .execute();
    await db.destroy();
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('keeps every row and column, and the keys and indexes, and refuses unknown roles from then on', async () => {
    const before = new SQLite(file(), { readonly: true });
    const usersBefore = before.prepare('SELECT * FROM users ORDER BY id').all() as Record<string, unknown>[];
    const tokensBefore = before.prepare('SELECT * FROM api_tokens ORDER BY id').all() as Record<
      string,
      unknown
    >[];
    before.close();

    const store = await openStore(home, file());
    try {
      const raw = (q: string) =>
        sql
          .raw(q)
          .execute(store.db)
          .then((r) => r.rows as Record<string, unknown>[]);
      const applied = (await raw('SELECT name FROM kysely_migration ORDER BY name')).map((r) => r.name);
      // 0004 ran right after the previous version's last migration (later ones may follow it).
      const at = applied.indexOf(PREVIOUS);
      assert.deepEqual(applied.slice(at, at + 2), [PREVIOUS, '0004_role_check']);

      const users = await raw('SELECT * FROM users ORDER BY id');
      const tokens = await raw('SELECT * FROM api_tokens ORDER BY id');
      // Rows with a known role are untouched, column for column.
      assert.deepEqual(
        users.filter((u) => u.id !== 'mallory'),
        usersBefore.filter((u) => u.id !== 'mallory'),
      );
      assert.deepEqual(
        tokens.filter((t) => t.id !== 't-bad'),
        tokensBefore.filter((t) => t.id !== 't-bad'),
      );
      // The one that already held an unknown role could do nothing and still cannot.
      const mallory = users.find((u) => u.id === 'mallory');
      assert.equal(mallory?.role, 'viewer');
      assert.equal(mallory?.disabled, 1);
      assert.equal(mallory?.password_hash, 'hash-mallory');
      const bad = tokens.find((t) => t.id === 't-bad');
      assert.equal(bad?.role, 'viewer');
      assert.match(String(bad?.revoked_at), /^\d{4}-\d\d-\d\dT/);
      assert.deepEqual(
        (await raw('SELECT id FROM sessions ORDER BY id')).map((s) => s.id),
        ['s-ada', 's-olga'],
      );

      // Structure: the CHECK, the unique username, the token index and both foreign keys.
      const ddl = await raw("SELECT name, sql FROM sqlite_master WHERE name IN ('users', 'api_tokens')");
      for (const t of ddl)
        assert.match(String(t.sql), /check \(role in \('viewer', 'operator', 'admin'\)\)/i);
      assert.ok(
        (await raw("SELECT name FROM sqlite_master WHERE type = 'index'")).some(
          (i) => i.name === 'api_tokens_user',
        ),
      );
      assert.deepEqual(
        (await raw('PRAGMA foreign_key_list(api_tokens)')).map((k) => [k.table, k.from, k.to, k.on_delete]),
        [['users', 'user_id', 'id', 'CASCADE']],
      );
      assert.deepEqual(
        (await raw('PRAGMA foreign_key_list(sessions)')).map((k) => [k.table, k.on_delete]),
        [['users', 'CASCADE']],
      );
      assert.deepEqual(await raw('PRAGMA foreign_keys'), [{ foreign_keys: 1 }]);
      assert.deepEqual(await raw('PRAGMA foreign_key_check'), []);
      assert.deepEqual(await raw('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);

      await assert.rejects(
        raw(
          "INSERT INTO users (id, username, password_hash, role, created_at) VALUES ('x', 'x', 'h', 'root', 'now')",
        ),
        /CHECK constraint failed/,
      );
      await assert.rejects(
        raw("UPDATE users SET role = 'Admin' WHERE id = 'olga'"),
        /CHECK constraint failed/,
      );
      await assert.rejects(
        raw("UPDATE api_tokens SET role = '' WHERE id = 't-olga'"),
        /CHECK constraint failed/,
      );
      await assert.rejects(
        raw(
          "INSERT INTO users (id, username, password_hash, role, created_at) VALUES ('y', 'ada', 'h', 'viewer', 'now')",
        ),
        /UNIQUE constraint failed: users.username/,
      );
      // The defaults survived the rebuild too.
      await raw(
        "INSERT INTO users (id, username, password_hash, role, created_at) VALUES ('z', 'zed', 'h', 'viewer', 'now')",
      );
      assert.deepEqual(await raw("SELECT disabled, must_change_password FROM users WHERE id = 'z'"), [
        { disabled: 0, must_change_password: 0 },
      ]);
      // Cascades still reach the rebuilt tables and the untouched sessions table.
      await raw("DELETE FROM users WHERE id = 'olga'");
      assert.deepEqual(await raw("SELECT id FROM api_tokens WHERE user_id = 'olga'"), []);
      assert.deepEqual(await raw("SELECT id FROM sessions WHERE user_id = 'olga'"), []);
    } finally {
      await store.close();
    }
  });
});

describe('a role written around the CHECK', () => {
  let t: TestApp;
  let admin: Caller;
  let olga: Caller;
  let olgaToken: string;

  before(async () => {
    t = await startTestApp();
    admin = await t.setup();
    await t.unlock(admin);
    await t.createUser(admin, 'olga', 'operator');
    olga = await t.login('olga', PASSWORD);
    await t.unlock(olga);
    const tok = await t.createToken(olga, 'ci');
    olgaToken = tok.secret;
  });
  after(async () => {
    await t?.close();
  });

  /** As a restored backup or a hand edit would: with the CHECK switched off for this one write. */
  const corrupt = async (table: 'users' | 'api_tokens', role: string, where: string) => {
    await sql`PRAGMA ignore_check_constraints = ON`.execute(t.store.db);
    try {
      await sql`UPDATE ${sql.table(table)} SET role = ${role} WHERE ${sql.raw(where)}`.execute(t.store.db);
    } finally {
      await sql`PRAGMA ignore_check_constraints = OFF`.execute(t.store.db);
    }
  };
  const refused = (status: number, body: string) => {
    assert.ok([401, 403, 500].includes(status), `expected a refusal, got ${status}: ${body}`);
    assert.ok(!body.includes('superadmin'), 'the stored value is not echoed to the caller');
  };

  it('a user whose stored role is unknown can do nothing, by session, token or a new sign-in', async () => {
    await corrupt('users', 'superadmin', "username = 'olga'");
    const bearer = { ...olga, cookie: undefined, bearer: olgaToken };
    for (const as of [olga, bearer]) {
      for (const [method, url, body] of [
        ['GET', '/api/auth/me', undefined],
        ['GET', '/api/users', undefined],
        ['GET', '/api/hosts', undefined],
        ['POST', '/api/tokens', { name: 'more' }],
        ['POST', '/api/hosts', { kind: 'agent', label: 'sneaky' }],
      ] as const) {
        const res = await t.request(method, url, { as, body });
        refused(res.statusCode, res.body);
      }
    }
    const sessions = (await t.counts()).sessions;
    const login = await t.request('POST', '/api/auth/login', {
      body: { username: 'olga', password: PASSWORD },
    });
    refused(login.statusCode, login.body);
    assert.equal(login.headers['set-cookie'], undefined, 'no session cookie for an unknown role');
    assert.equal((await t.counts()).sessions, sessions, 'no session row for an unknown role');
    assert.equal((await t.counts()).tokens, 1);
  });

  it('an admin can still set the role again, and the account works after', async () => {
    const id = olga.userId;
    const res = await t.request('PATCH', `/api/users/${id}`, { as: admin, body: { role: 'viewer' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<{ role: string }>().role, 'viewer');
    const again = await t.login('olga', PASSWORD);
    assert.equal((await t.request('GET', '/api/hosts', { as: again })).statusCode, 200);
    olga = again;
  });

  it('a token whose own stored role is unknown is refused, and its owner is not', async () => {
    await corrupt('api_tokens', 'superadmin', '1 = 1');
    const res = await t.request('GET', '/api/hosts', {
      as: { ...olga, cookie: undefined, bearer: olgaToken },
    });
    refused(res.statusCode, res.body);
    assert.equal((await t.request('GET', '/api/hosts', { as: olga })).statusCode, 200);
    // Revoking it (the way out) still works for its owner.
    const list = await t.request('GET', '/api/tokens', { as: olga });
    assert.equal(list.statusCode, 500, 'the list names a role it cannot show');
    const row = await t.store.db.selectFrom('api_tokens').select('id').executeTakeFirstOrThrow();
    const del = await t.request('DELETE', `/api/tokens/${row.id}`, { as: olga });
    assert.equal(del.statusCode, 200, del.body);
  });

  it('the admin who did not change is unaffected throughout', async () => {
    const admin2 = await t.login(ADMIN.username, ADMIN.password);
    assert.equal((await t.request('GET', '/api/users', { as: admin2 })).statusCode, 200);
  });
});
