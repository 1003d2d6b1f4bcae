import { createHmac, hkdfSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AuditEvent, AuditPage, AuditQuery, AuditVerify } from '@airlock/contract/audit';
import type { AuditEventsTable } from '../../db/schema';
import type { AuthContext } from '../../lib/route';
import { writeFileAtomic } from '../../config/home';
import type { StreamHub } from '../stream/stream.module';
import type { AuditRepo } from './audit.repo';

export interface Actor {
  type: AuditEvent['actorType'];
  id?: string | null;
  name?: string | null;
}

export interface AuditInput {
  actor: Actor;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export const GENESIS = '0'.repeat(64);

export function actorOf(auth: AuthContext | null): Actor {
  if (!auth) return { type: 'anonymous' };
  return auth.kind === 'token'
    ? { type: 'token', id: auth.tokenId, name: auth.user.username }
    : { type: 'user', id: auth.user.id, name: auth.user.username };
}

function toEvent(r: AuditEventsTable): AuditEvent {
  return {
    seq: r.seq,
    ts: r.ts,
    actorType: r.actor_type as AuditEvent['actorType'],
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Append-only, hash-chained audit log. Each hash is an HMAC (key derived from the master key) over
 * the row's fields and the previous hash, so editing, deleting or reordering rows in the database
 * file breaks the chain, and it cannot be recomputed without the key. The newest (seq, hash) is also
 * kept in `$AIRLOCK_HOME/audit.head` so deleting rows at the end is detected too.
 */
export class AuditService {
  private readonly key: Buffer;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: AuditRepo,
    masterKey: Buffer,
    private readonly headFile: string,
    private readonly hub: StreamHub,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'airlock audit chain v1', 32));
  }

  private hashOf(r: Omit<AuditEventsTable, 'hash'>): string {
    const canonical = JSON.stringify([
      r.seq,
      r.ts,
      r.actor_type,
      r.actor_id,
      r.actor_name,
      r.action,
      r.target,
      r.details,
      r.prev_hash,
    ]);
    return createHmac('sha256', this.key).update(canonical).digest('hex');
  }

  /** Appends one event. Appends are serialized so the chain never forks. */
  append(input: AuditInput): Promise<AuditEvent> {
    const run = this.tail.then(async () => {
      const last = await this.repo.last();
      const base = {
        seq: (last?.seq ?? 0) + 1,
        ts: new Date().toISOString(),
        actor_type: input.actor.type,
        actor_id: input.actor.id ?? null,
        actor_name: input.actor.name ?? null,
        action: input.action,
        target: input.target ?? null,
        details: JSON.stringify(input.details ?? {}),
        prev_hash: last?.hash ?? GENESIS,
      };
      const row: AuditEventsTable = { ...base, hash: this.hashOf(base) };
      await this.repo.insert(row);
      writeFileAtomic(this.headFile, JSON.stringify({ seq: row.seq, hash: row.hash }) + '\n');
      const event = toEvent(row);
      this.hub.publish({ type: 'audit.appended', event }, 'operator');
      return event;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  async list(q: AuditQuery): Promise<AuditPage> {
    const rows = await this.repo.page(q);
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map(toEvent);
    return { items, nextBefore: more ? (items[items.length - 1]?.seq ?? null) : null };
  }

  async verify(): Promise<AuditVerify> {
    let expectedSeq = 1;
    let prev = GENESIS;
    let checked = 0;
    for await (const row of this.repo.inOrder()) {
      if (row.seq !== expectedSeq) {
        return {
          ok: false,
          checked,
          firstBadSeq: expectedSeq,
          reason: `event #${expectedSeq} is missing (next present is #${row.seq})`,
        };
      }
      if (row.prev_hash !== prev) {
        return {
          ok: false,
          checked,
          firstBadSeq: row.seq,
          reason: `event #${row.seq} does not link to the event before it (deleted or reordered)`,
        };
      }
      const { hash, ...rest } = row;
      if (this.hashOf(rest) !== hash) {
        return {
          ok: false,
          checked,
          firstBadSeq: row.seq,
          reason: `event #${row.seq} was modified after it was written`,
        };
      }
      prev = hash;
      expectedSeq++;
      checked++;
    }
    const head = this.readHead();
    if (head && head.seq >= expectedSeq) {
      return {
        ok: false,
        checked,
        firstBadSeq: expectedSeq,
        reason: `events from #${expectedSeq} to #${head.seq} were deleted`,
      };
    }
    if (head && head.seq === expectedSeq - 1 && head.hash !== prev) {
      return {
        ok: false,
        checked,
        firstBadSeq: head.seq,
        reason: `event #${head.seq} differs from the recorded head`,
      };
    }
    return { ok: true, checked };
  }

  private readHead(): { seq: number; hash: string } | null {
    if (!existsSync(this.headFile)) return null;
    try {
      const v = JSON.parse(readFileSync(this.headFile, 'utf8')) as { seq?: unknown; hash?: unknown };
      return typeof v.seq === 'number' && typeof v.hash === 'string' ? { seq: v.seq, hash: v.hash } : null;
    } catch {
      return null;
    }
  }
}
