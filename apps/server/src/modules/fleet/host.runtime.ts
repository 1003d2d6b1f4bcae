import type { ContainerDetail, ContainerStats, ContainerSummary } from '@airlock/contract/fleet';
import { pendingStatus } from '../hosts/hosts.module';
import { toSummary } from './fleet.query';
import type { HostState, HostStatus } from '@airlock/contract/hosts';
import { engineText } from '../../lib/engine-text';
import { jsonEqual } from '../../lib/json';

/** How a runtime reports changes; the fleet service turns them into stream messages. */
export interface RuntimeSink {
  replaced(hostId: string, items: ContainerDetail[]): void;
  upserted(hostId: string, items: ContainerDetail[]): void;
  removed(hostId: string, ids: string[]): void;
  statusChanged(hostId: string): void;
}

/** Room for Airlock's own wording around a quoted engine text (engineText's 300). */
const STATUS_REASON_MAX = 600;

/** What every host kind keeps: its containers (full detail, masked) and its status. */
export abstract class HostRuntime {
  readonly containers = new Map<string, ContainerDetail>();
  /** The list rows, kept beside the details so a list request builds nothing. */
  readonly summaries = new Map<string, ContainerSummary>();
  /** Latest stats per container id (push hosts carry them in reports). */
  readonly stats = new Map<string, ContainerStats>();
  status: HostStatus = pendingStatus();
  presentedFingerprint: string | null = null;
  presentedJumpFingerprint: string | null = null;
  /** Set by stop(): a replaced or removed runtime's late results must not reach the stream. */
  protected stopped = false;

  constructor(
    readonly hostId: string,
    protected readonly sink: RuntimeSink,
  ) {}

  abstract start(): void;
  abstract stop(): void;

  protected setStatus(state: HostState, rawReason = ''): void {
    if (this.stopped) return;
    // Every viewer reads the reason, and parts of it come from the far side (an engine, an SSH
    // server): the last gate keeps it one clean line of bounded length, whoever built it.
    const reason = engineText(rawReason, STATUS_REASON_MAX);
    if (this.status.state === state && this.status.reason === reason) return;
    const since = this.status.state === state ? this.status.since : new Date().toISOString();
    this.status = { state, reason, since };
    this.sink.statusChanged(this.hostId);
  }

  protected replaceAll(items: ContainerDetail[]): void {
    if (this.stopped) return;
    this.containers.clear();
    this.summaries.clear();
    for (const c of items) this.set(c);
    for (const id of this.stats.keys()) if (!this.containers.has(id)) this.stats.delete(id);
    this.sink.replaced(this.hostId, items);
  }

  /**
   * Holds a fresh read of one container and publishes it only if it differs from what is held:
   * every detail request re-reads the container, and a page that answers each published row with
   * a detail request would otherwise keep the two going round for as long as it stays open.
   */
  protected upsert(item: ContainerDetail): void {
    if (this.stopped) return;
    const held = this.containers.get(item.id);
    if (held && jsonEqual(held, item)) return;
    this.set(item);
    this.sink.upserted(this.hostId, [item]);
  }

  /**
   * A full listing applied as changes: only containers that differ from what is held are set and
   * published, gone ones are removed. A push report that changes nothing sends nothing to browsers.
   */
  protected reconcile(items: ContainerDetail[]): void {
    if (this.stopped) return;
    const present = new Set<string>();
    const changed: ContainerDetail[] = [];
    for (const c of items) {
      present.add(c.id);
      const held = this.containers.get(c.id);
      if (held && jsonEqual(held, c)) continue;
      this.set(c);
      changed.push(c);
    }
    const gone = [...this.containers.keys()].filter((id) => !present.has(id));
    for (const id of gone) this.forget(id);
    for (const id of this.stats.keys()) if (!present.has(id)) this.stats.delete(id);
    if (changed.length > 0) this.sink.upserted(this.hostId, changed);
    if (gone.length > 0) this.sink.removed(this.hostId, gone);
  }

  protected drop(id: string): void {
    if (this.stopped) return;
    if (!this.forget(id)) return;
    this.sink.removed(this.hostId, [id]);
  }

  protected set(item: ContainerDetail): void {
    this.containers.set(item.id, item);
    this.summaries.set(item.id, toSummary(item));
  }

  /** Removes a container without telling the sink; true if it was known. */
  forget(id: string): boolean {
    this.summaries.delete(id);
    this.stats.delete(id);
    return this.containers.delete(id);
  }

  /** A container by full id, unique id prefix (≥ 4), or name. */
  find(ref: string): ContainerDetail | undefined {
    const exact = this.containers.get(ref);
    if (exact) return exact;
    let byPrefix: ContainerDetail | undefined;
    let count = 0;
    for (const c of this.containers.values()) {
      if (c.name === ref) return c;
      if (ref.length >= 4 && c.id.startsWith(ref)) {
        byPrefix = c;
        count++;
      }
    }
    return count === 1 ? byPrefix : undefined;
  }
}
