import type { Db } from '../../db/db';
import type { HostsTable } from '../../db/schema';

export class HostsRepo {
  constructor(private readonly db: Db) {}

  all(): Promise<HostsTable[]> {
    return this.db.selectFrom('hosts').selectAll().orderBy('label').execute();
  }

  byId(id: string): Promise<HostsTable | undefined> {
    return this.db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insert(row: HostsTable): Promise<void> {
    await this.db.insertInto('hosts').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<HostsTable, 'id' | 'kind'>>): Promise<void> {
    await this.db.updateTable('hosts').set(patch).where('id', '=', id).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('hosts').where('id', '=', id).execute();
  }
}
