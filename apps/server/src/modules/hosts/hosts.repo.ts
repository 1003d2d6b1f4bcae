import type { Db } from '../../db/db';
import type { HostSnapshotsTable, HostsTable } from '../../db/schema';

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

  snapshot(hostId: string): Promise<HostSnapshotsTable | undefined> {
    return this.db.selectFrom('host_snapshots').selectAll().where('host_id', '=', hostId).executeTakeFirst();
  }

  async saveSnapshot(row: HostSnapshotsTable): Promise<void> {
    await this.db
      .insertInto('host_snapshots')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('host_id')
          .doUpdateSet({ received_at: row.received_at, hostname: row.hostname, data: row.data }),
      )
      .execute();
  }
}
