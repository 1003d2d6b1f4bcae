import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import path from 'node:path';
import type { Database } from './schema';
import { migrations } from './migrations';

export type Db = Kysely<Database>;

export interface Store {
  db: Db;
  file: string;
  close(): Promise<void>;
  ping(): Promise<void>;
}

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/** Opens `$AIRLOCK_HOME/airlock.sqlite` (WAL) and runs pending migrations. */
export async function openStore(home: string, file = path.join(home, 'airlock.sqlite')): Promise<Store> {
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    const reason = error instanceof Error ? error.message : failed ? 'see the migration' : 'unknown error';
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed on ${file}: ${reason}`);
  }
  return {
    db,
    file,
    close: () => db.destroy(),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
  };
}
