import type { Db } from '../../db/db';
import type { SessionsTable } from '../../db/schema';

export class SessionsRepo {
  constructor(private readonly db: Db) {}

  byId(id: string): Promise<SessionsTable | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insert(row: SessionsTable): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<SessionsTable, 'id'>>): Promise<void> {
    await this.db.updateTable('sessions').set(patch).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Ends every session of a user, but `keep` (the caller's own, when it changed its password). */
  async deleteForUser(userId: string, keep?: string): Promise<void> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keep) q = q.where('id', '!=', keep);
    await q.execute();
  }

  async deleteExpired(nowIso: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<', nowIso).execute();
  }
}
