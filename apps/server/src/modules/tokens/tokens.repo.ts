import type { Db } from '../../db/db';
import type { ApiTokensTable } from '../../db/schema';

export class TokensRepo {
  constructor(private readonly db: Db) {}

  byId(id: string): Promise<ApiTokensTable | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listForUser(userId: string): Promise<ApiTokensTable[]> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
  }

  async insert(row: ApiTokensTable): Promise<void> {
    await this.db.insertInto('api_tokens').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<ApiTokensTable, 'id'>>): Promise<void> {
    await this.db.updateTable('api_tokens').set(patch).where('id', '=', id).execute();
  }
}
