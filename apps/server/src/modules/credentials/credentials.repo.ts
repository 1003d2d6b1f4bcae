import type { Db } from '../../db/db';
import type { CredentialsTable } from '../../db/schema';

export class CredentialsRepo {
  constructor(private readonly db: Db) {}

  all(): Promise<CredentialsTable[]> {
    return this.db.selectFrom('credentials').selectAll().orderBy('name').execute();
  }

  byId(id: string): Promise<CredentialsTable | undefined> {
    return this.db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byName(name: string): Promise<CredentialsTable | undefined> {
    return this.db.selectFrom('credentials').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async insert(row: CredentialsTable): Promise<void> {
    await this.db.insertInto('credentials').values(row).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('credentials').where('id', '=', id).execute();
  }
}
