import type { Db } from '../../db/db';
import type { AuditEventsTable } from '../../db/schema';
import type { AuditQuery } from '@airlock/contract/audit';

export class AuditRepo {
  constructor(private readonly db: Db) {}

  last(): Promise<AuditEventsTable | undefined> {
    return this.db.selectFrom('audit_events').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
  }

  async insert(row: AuditEventsTable): Promise<void> {
    await this.db.insertInto('audit_events').values(row).execute();
  }

  page(q: AuditQuery): Promise<AuditEventsTable[]> {
    let query = this.db.selectFrom('audit_events').selectAll();
    if (q.before) query = query.where('seq', '<', q.before);
    if (q.action) query = query.where('action', 'like', `${q.action.replace(/[%_\\]/g, '\\$&')}%`);
    if (q.actor) query = query.where('actor_name', '=', q.actor);
    if (q.q) {
      const like = `%${q.q.replace(/[%_\\]/g, '\\$&')}%`;
      query = query.where((eb) =>
        eb.or([
          eb('action', 'like', like),
          eb('target', 'like', like),
          eb('details', 'like', like),
          eb('actor_name', 'like', like),
        ]),
      );
    }
    return query
      .orderBy('seq', 'desc')
      .limit(q.limit + 1)
      .execute();
  }

  /** Streams the whole chain in order, in batches, so verify does not load it all at once. */
  async *inOrder(batch = 1000): AsyncGenerator<AuditEventsTable> {
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(batch)
        .execute();
      if (rows.length === 0) return;
      for (const r of rows) yield r;
      after = rows[rows.length - 1]!.seq;
    }
  }
}
