import type { Db } from '../../db/db';
import type { UsersTable } from '../../db/schema';

export class UsersRepo {
  constructor(private readonly db: Db) {}

  byId(id: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byUsername(username: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  list(): Promise<UsersTable[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async countActiveAdmins(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insert(row: UsersTable): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<UsersTable, 'id'>>): Promise<void> {
    await this.db.updateTable('users').set(patch).where('id', '=', id).execute();
  }
}
