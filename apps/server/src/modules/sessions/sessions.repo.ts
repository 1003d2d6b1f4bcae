import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/db';
import type { SandboxSessionsTable, SessionBlocksTable } from '../../db/schema';

/** Blocks kept per session for its page; older ones are in the audit log. */
const KEEP_BLOCKS = 200;

export type BlockRow = Omit<SessionBlocksTable, 'id' | 'session_id'>;

export class SessionsRepo {
  constructor(private readonly db: Db) {}

  list(): Promise<SandboxSessionsTable[]> {
    return this.db.selectFrom('sandbox_sessions').selectAll().orderBy('created_at', 'desc').execute();
  }

  byId(id: string): Promise<SandboxSessionsTable | undefined> {
    return this.db.selectFrom('sandbox_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byProfile(profileId: string): Promise<SandboxSessionsTable[]> {
    return this.db.selectFrom('sandbox_sessions').selectAll().where('profile_id', '=', profileId).execute();
  }

  async insert(row: SandboxSessionsTable): Promise<void> {
    await this.db.insertInto('sandbox_sessions').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<SandboxSessionsTable, 'id'>>): Promise<void> {
    await this.db.updateTable('sandbox_sessions').set(patch).where('id', '=', id).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('session_blocks').where('session_id', '=', id).execute();
    await this.db.deleteFrom('sandbox_sessions').where('id', '=', id).execute();
  }

  async addBlock(sessionId: string, block: BlockRow): Promise<boolean> {
    const r = await this.db
      .updateTable('sandbox_sessions')
      .set({ blocked_count: sql`blocked_count + 1` })
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    await this.db
      .insertInto('session_blocks')
      .values({ session_id: sessionId, ...block })
      .execute();
    await this.db
      .deleteFrom('session_blocks')
      .where('session_id', '=', sessionId)
      .where(
        'id',
        'not in',
        this.db
          .selectFrom('session_blocks')
          .select('id')
          .where('session_id', '=', sessionId)
          .orderBy('id', 'desc')
          .limit(KEEP_BLOCKS),
      )
      .execute();
    return true;
  }

  recentBlocks(sessionId: string, limit: number): Promise<Selectable<SessionBlocksTable>[]> {
    return this.db
      .selectFrom('session_blocks')
      .selectAll()
      .where('session_id', '=', sessionId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}
