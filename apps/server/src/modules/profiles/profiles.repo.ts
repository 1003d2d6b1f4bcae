import type { Db } from '../../db/db';
import type { ProfilesTable } from '../../db/schema';

export class ProfilesRepo {
  constructor(private readonly db: Db) {}

  all(): Promise<ProfilesTable[]> {
    return this.db.selectFrom('profiles').selectAll().orderBy('name').execute();
  }

  byId(id: string): Promise<ProfilesTable | undefined> {
    return this.db.selectFrom('profiles').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byName(name: string): Promise<ProfilesTable | undefined> {
    return this.db.selectFrom('profiles').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async insert(row: ProfilesTable): Promise<void> {
    await this.db.insertInto('profiles').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<ProfilesTable, 'id'>>): Promise<void> {
    await this.db.updateTable('profiles').set(patch).where('id', '=', id).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('profiles').where('id', '=', id).execute();
  }
}
