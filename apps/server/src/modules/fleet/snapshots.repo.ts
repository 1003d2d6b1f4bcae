import type { Db } from '../../db/db';
import type { HostSnapshotsTable } from '../../db/schema';

/** The last push report of each push host, so a restart shows it before the next one arrives. */
export class SnapshotsRepo {
  constructor(private readonly db: Db) {}

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
