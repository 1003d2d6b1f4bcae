import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

/**
 * Versioned migrations, applied in name order on start. Never edit a shipped migration: add one.
 * Only portable DDL here (text, integer) so a Postgres dialect can run the same list.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_login_at', 'text')
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('unlocked_until', 'text')
        .addColumn('client_ip', 'text')
        .addColumn('user_agent', 'text')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('unlocked_until', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_name', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_action').on('audit_events').column('action').execute();
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      // Append-only is enforced by the database too, not only by the absence of an update path.
      await sql`CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(
        db,
      );
      await sql`CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(
        db,
      );
    },
  },
  '0002_hosts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hosts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
        // Non-secret settings (socket path, SSH endpoint, pinned fingerprints, agent interval) as JSON.
        .addColumn('config', 'text', (c) => c.notNull())
        // Vault-sealed JSON of the SSH credentials, bound to `host:<id>:ssh`; null for other kinds.
        .addColumn('secrets', 'text')
        // Push hosts: sha256 of the token secret, and a short prefix to tell tokens apart.
        .addColumn('token_hash', 'text')
        .addColumn('token_prefix', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('host_snapshots')
        .addColumn('host_id', 'text', (c) => c.primaryKey().references('hosts.id').onDelete('cascade'))
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        // The last good push report, already mapped and masked: {containers, stats}.
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0003_must_change_password': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('users')
        .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0004_role_check': {
    // SQLite cannot add a CHECK to an existing table: each table is rebuilt (create new, copy,
    // drop, rename) with every column, default, unique, foreign key and index it had (0001 + 0003).
    // Foreign keys are off during the swap, or dropping `users` would cascade into sessions and
    // tokens; that pragma is a no-op inside a transaction, so it is set around ours (Kysely runs
    // SQLite migrations outside one). A Postgres twin is a plain ADD CONSTRAINT ... CHECK.
    async up(db: Kysely<unknown>) {
      // Written out, not read from the contract: a migration is history and must not change when
      // a later release adds a role (that release adds its own migration).
      const known = sql`role in ('viewer', 'operator', 'admin')`;
      await sql`PRAGMA foreign_keys = OFF`.execute(db);
      try {
        await sql`BEGIN IMMEDIATE`.execute(db);
        try {
          await db.schema
            .createTable('users_new')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('username', 'text', (c) => c.notNull().unique())
            .addColumn('password_hash', 'text', (c) => c.notNull())
            .addColumn('role', 'text', (c) => c.notNull())
            .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
            .addColumn('created_at', 'text', (c) => c.notNull())
            .addColumn('last_login_at', 'text')
            .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
            .addCheckConstraint('users_role_known', known)
            .execute();
          // A row that already holds an unknown role (a manual edit) could do nothing before this
          // migration (the guard refuses unknown roles); it keeps doing nothing: disabled, and
          // given the least role so the CHECK holds. An admin sees it disabled and can set it again.
          await sql`INSERT INTO users_new (id, username, password_hash, role, disabled, created_at, last_login_at, must_change_password)
            SELECT id, username, password_hash,
              CASE WHEN ${known} THEN role ELSE 'viewer' END,
              CASE WHEN ${known} THEN disabled ELSE 1 END,
              created_at, last_login_at, must_change_password
            FROM users`.execute(db);
          await db.schema.dropTable('users').execute();
          await db.schema.alterTable('users_new').renameTo('users').execute();

          await db.schema
            .createTable('api_tokens_new')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
            .addColumn('name', 'text', (c) => c.notNull())
            .addColumn('prefix', 'text', (c) => c.notNull())
            .addColumn('secret_hash', 'text', (c) => c.notNull())
            .addColumn('role', 'text', (c) => c.notNull())
            .addColumn('created_at', 'text', (c) => c.notNull())
            .addColumn('last_used_at', 'text')
            .addColumn('expires_at', 'text')
            .addColumn('revoked_at', 'text')
            .addColumn('unlocked_until', 'text')
            .addCheckConstraint('api_tokens_role_known', known)
            .execute();
          // Same for tokens: one with an unknown role is revoked (from now) rather than lost.
          await sql`INSERT INTO api_tokens_new (id, user_id, name, prefix, secret_hash, role, created_at, last_used_at, expires_at, revoked_at, unlocked_until)
            SELECT id, user_id, name, prefix, secret_hash,
              CASE WHEN ${known} THEN role ELSE 'viewer' END,
              created_at, last_used_at, expires_at,
              CASE WHEN ${known} THEN revoked_at ELSE COALESCE(revoked_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) END,
              unlocked_until
            FROM api_tokens`.execute(db);
          await db.schema.dropTable('api_tokens').execute();
          await db.schema.alterTable('api_tokens_new').renameTo('api_tokens').execute();
          await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

          const broken = await sql`PRAGMA foreign_key_check`.execute(db);
          if (broken.rows.length > 0)
            throw new Error(`foreign keys broken by the rebuild: ${JSON.stringify(broken.rows)}`);
          await sql`COMMIT`.execute(db);
        } catch (err) {
          await sql`ROLLBACK`.execute(db);
          throw err;
        }
      } finally {
        await sql`PRAGMA foreign_keys = ON`.execute(db);
      }
    },
  },
  '0005_credentials_profiles': {
    // Sealed sessions (issue 9). A credential's value is sealed in the vault (aad
    // `credential:<id>`); inject and hosts are JSON. A profile's routes are JSON too, and name
    // credentials by id, so what a route injects never depends on a name matched later.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('value_sealed', 'text', (c) => c.notNull())
        .addColumn('inject', 'text', (c) => c.notNull())
        .addColumn('hosts', 'text', (c) => c.notNull())
        .addColumn('env', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('profiles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('runtime', 'text', (c) => c.notNull())
        .addColumn('image', 'text')
        .addColumn('limits', 'text', (c) => c.notNull())
        .addColumn('routes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0006_sandbox_sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sandbox_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('profile_name', 'text', (c) => c.notNull())
        .addColumn('runtime', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('state_reason', 'text')
        .addColumn('handle', 'text')
        .addColumn('workdir', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('blocked_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('session_blocks')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('session_id', 'text', (c) =>
          c.notNull().references('sandbox_sessions.id').onDelete('cascade'),
        )
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('session_blocks_session')
        .on('session_blocks')
        .columns(['session_id', 'id'])
        .execute();
    },
  },
};
