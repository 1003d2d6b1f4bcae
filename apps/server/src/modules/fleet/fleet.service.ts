import type {
  ContainerDetail,
  ContainerList,
  ContainerListQuery,
  ContainerStats,
  ContainerVerb,
  LogLine,
  ActionResponse,
} from '@airlock/contract/fleet';
import type { EngineConnectors, ExecSession, ExecTermination, LogsOptions } from './engine.port';
import { badRequest, conflict, errorMessage, notFound } from '../../lib/errors';
import type { AuthContext } from '../../lib/route';
import { actorOf, type AuditService } from '../audit/audit.module';
import {
  pendingView,
  type HostRecord,
  type HostRuntimeView,
  type HostWatcher,
  type HostsService,
} from '../hosts/hosts.module';
import type { StreamHub } from '../stream/stream.module';
import type { SnapshotsRepo } from './snapshots.repo';
import { AgentRuntime } from './agent.runtime';
import { DEFAULT_TIMING, EngineRuntime, type EngineConnection, type EngineTiming } from './engine.runtime';
import { queryContainers, toSummary } from './fleet.query';
import type { HostRuntime, RuntimeSink } from './host.runtime';
import { parseReport } from './ingest.parse';

export interface FleetOptions {
  timing?: Partial<EngineTiming>;
  /** How long a push host's report may sit in memory before it is written to the store. */
  snapshotFlushMs?: number;
  warn?: (msg: string, err?: unknown) => void;
}

interface Entry {
  record: HostRecord;
  runtime: HostRuntime;
}

const configKey = (r: HostRecord) => `${r.kind}:${JSON.stringify(r.config)}`;

/**
 * Every container on every host, live. Owns one runtime per host (engine watcher or push-report
 * holder), answers queries from memory, runs actions/logs/exec through the host's engine, and
 * fans changes out on the live stream. Hosts come and go through the HostWatcher calls.
 */
export class FleetService implements HostWatcher, RuntimeSink {
  private readonly entries = new Map<string, Entry>();
  private readonly timing: EngineTiming;
  private readonly warn: (msg: string, err?: unknown) => void;
  private readonly snapshotFlushMs: number;
  private readonly pendingSnapshots = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  /** Bumped on every change the list can show; keys the list cache. */
  private version = 0;
  private readonly listCache = new Map<string, { version: number; json: string }>();

  constructor(
    private readonly hosts: HostsService,
    private readonly repo: SnapshotsRepo,
    private readonly hub: StreamHub,
    private readonly audit: AuditService,
    private readonly connect: EngineConnectors,
    opts: FleetOptions = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.warn = opts.warn ?? (() => undefined);
    this.snapshotFlushMs = opts.snapshotFlushMs ?? 2_000;
    hosts.attach(this);
  }

  async start(): Promise<void> {
    for (const rec of await this.hosts.records()) {
      this.hostChanged(rec);
      if (rec.kind === 'agent') await this.restoreSnapshot(rec.id);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const [hostId, t] of this.pendingSnapshots) {
      clearTimeout(t);
      await this.writeSnapshot(hostId);
    }
    this.pendingSnapshots.clear();
    for (const e of this.entries.values()) e.runtime.stop();
    this.entries.clear();
  }

  // ---- HostWatcher ------------------------------------------------------------------------------

  hostChanged(record: HostRecord, credentialsChanged = false): void {
    if (this.stopped) return;
    const old = this.entries.get(record.id);
    // A new key or password is tried at once (and a refusal shown now), not at the next reconnect.
    if (old && !credentialsChanged && configKey(old.record) === configKey(record)) {
      old.record = record;
      this.statusChanged(record.id);
      return;
    }
    if (old && record.kind === 'agent' && old.runtime instanceof AgentRuntime) {
      old.record = record;
      old.runtime.setInterval(record.config.intervalSeconds);
      this.statusChanged(record.id);
      return;
    }
    if (old) old.runtime.stop();
    const runtime =
      record.kind === 'agent'
        ? new AgentRuntime(record.id, this, record.config.intervalSeconds)
        : new EngineRuntime(record.id, this, this.connector(record), this.timing, this.warn);
    this.entries.set(record.id, { record, runtime });
    runtime.start();
    this.statusChanged(record.id);
  }

  hostRemoved(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.runtime.stop();
    this.entries.delete(id);
    this.version++;
    const t = this.pendingSnapshots.get(id);
    if (t) clearTimeout(t);
    this.pendingSnapshots.delete(id);
    this.hub.publish({ type: 'host.removed', hostId: id });
  }

  reconnect(id: string): void {
    const rt = this.entries.get(id)?.runtime;
    if (rt instanceof EngineRuntime) rt.reconnect();
  }

  view(id: string): HostRuntimeView {
    const rt = this.entries.get(id)?.runtime;
    if (!rt) return pendingView();
    return {
      status: rt.status,
      containerCount: rt.containers.size,
      presentedFingerprint: rt.presentedFingerprint,
      presentedJumpFingerprint: rt.presentedJumpFingerprint,
      lastReportAt: rt instanceof AgentRuntime ? rt.lastReportAt : null,
      hostname: rt instanceof AgentRuntime ? rt.hostname : null,
    };
  }

  // ---- RuntimeSink: runtime changes → live stream ------------------------------------------------

  replaced(hostId: string, items: ContainerDetail[]): void {
    this.version++;
    const rt = this.entries.get(hostId)?.runtime;
    const rows = rt ? items.map((c) => rt.summaries.get(c.id) ?? toSummary(c)) : items.map(toSummary);
    this.hub.publish({ type: 'containers.replace', hostId, items: rows });
    this.statusChanged(hostId);
  }

  upserted(hostId: string, items: ContainerDetail[]): void {
    this.version++;
    const rt = this.entries.get(hostId)?.runtime;
    const rows = items.map((c) => rt?.summaries.get(c.id) ?? toSummary(c));
    this.hub.publish({ type: 'containers.upsert', hostId, items: rows });
  }

  removed(hostId: string, ids: string[]): void {
    this.version++;
    this.hub.publish({ type: 'containers.remove', hostId, ids });
  }

  statusChanged(hostId: string): void {
    this.version++;
    const e = this.entries.get(hostId);
    if (e) this.hub.publish({ type: 'host.updated', host: this.hosts.toHost(e.record) });
  }

  // ---- queries ----------------------------------------------------------------------------------

  list(query: ContainerListQuery): ContainerList {
    const entries = [...this.entries.values()];
    function* all() {
      for (const e of entries) yield* e.runtime.summaries.values();
    }
    return queryContainers(all(), query, (id) => this.entries.get(id)?.record.label ?? id);
  }

  /**
   * The list as JSON text, cached until the fleet changes: browsers poll the same few views, and
   * serialising 10k rows is most of the cost of answering.
   */
  listJson(query: ContainerListQuery): string {
    const key = JSON.stringify(query);
    const hit = this.listCache.get(key);
    if (hit && hit.version === this.version) return hit.json;
    const json = JSON.stringify(this.list(query));
    if (this.listCache.size >= 8) this.listCache.clear();
    this.listCache.set(key, { version: this.version, json });
    return json;
  }

  async detail(hostId: string, ref: string): Promise<ContainerDetail> {
    const { runtime } = this.entry(hostId);
    const known = runtime.find(ref);
    if (runtime instanceof EngineRuntime && runtime.status.state !== 'unreachable') {
      // Fresh from the engine: the cache may trail events by a few ms.
      const fresh = await runtime.refresh(known?.id ?? ref).catch((err: unknown) => {
        if (known) return known;
        throw err;
      });
      if (!fresh) throw notFound('Container');
      return fresh;
    }
    if (!known) throw notFound('Container');
    return known;
  }

  async stats(hostId: string, ref: string): Promise<ContainerStats> {
    const { record, runtime } = this.entry(hostId);
    const c = runtime.find(ref);
    if (runtime instanceof EngineRuntime) {
      if (c && c.state !== 'running' && c.state !== 'paused')
        throw conflict(`Container "${c.name}" is ${c.state}; stats exist only while it runs.`);
      return runtime.engine(record.label).stats(c?.id ?? ref);
    }
    if (!c) throw notFound('Container');
    const s = runtime.stats.get(c.id);
    if (!s)
      throw conflict(`The last report from "${record.label}" has no stats for "${c.name}" (not running).`);
    return s;
  }

  /** One allowlisted verb on an engine host, audited with who, what, where and the result. */
  async action(
    auth: AuthContext,
    hostId: string,
    ref: string,
    verb: ContainerVerb,
    confirm?: string,
  ): Promise<ActionResponse> {
    const { record, runtime } = this.engineEntry(hostId, verb);
    const c = runtime.find(ref) ?? (await runtime.refresh(ref));
    if (!c) throw notFound('Container');
    if (verb === 'remove' && confirm !== c.name)
      throw badRequest(`To remove "${c.name}", confirm with its exact name.`, { field: 'confirm' });
    const target = `${record.label}/${c.name}`;
    const details = { hostId, containerId: c.id, container: c.name, verb };
    try {
      const r = await runtime.engine(record.label).action(c.id, verb);
      const after = verb === 'remove' ? null : await runtime.refresh(c.id);
      if (verb === 'remove' && runtime.containers.has(c.id)) this.removedNow(runtime, c.id);
      await this.audit.append({
        actor: actorOf(auth),
        action: `container.${verb}`,
        target,
        details: { ...details, result: 'ok', changed: r.changed },
      });
      return { verb, changed: r.changed, container: after ? toSummary(after) : null };
    } catch (err) {
      await this.audit.append({
        actor: actorOf(auth),
        action: `container.${verb}`,
        target,
        details: { ...details, result: 'failed', error: errorMessage(err) },
      });
      throw err;
    }
  }

  /** Log lines of a container on an engine host (push hosts send no logs). */
  async logs(hostId: string, ref: string, opts: LogsOptions): Promise<AsyncIterable<LogLine>> {
    const { record, runtime } = this.engineEntry(hostId, 'logs');
    const id = runtime.find(ref)?.id ?? ref;
    return runtime.engine(record.label).logs(id, opts);
  }

  /**
   * The last `tail` lines with timestamps, for a download: read from the engine only as fast as the
   * caller consumes them (DockerEngine.logsStreamed); aborting `signal` closes the engine request.
   */
  async logsDownload(
    hostId: string,
    ref: string,
    opts: { tail: number; signal: AbortSignal },
  ): Promise<AsyncIterable<LogLine>> {
    const { record, runtime } = this.engineEntry(hostId, 'logs');
    const id = runtime.find(ref)?.id ?? ref;
    return runtime.engine(record.label).logsStreamed(id, { ...opts, timestamps: true });
  }

  /** An interactive shell; start and end are audited. Call `end` exactly once when it closes. */
  async exec(
    auth: AuthContext,
    hostId: string,
    ref: string,
    cols: number,
    rows: number,
  ): Promise<{
    session: ExecSession & { shell: string };
    end(result: { exitCode: number | null } & ExecTermination): Promise<void>;
  }> {
    const { record, runtime } = this.engineEntry(hostId, 'shell');
    const c = runtime.find(ref) ?? (await runtime.refresh(ref));
    if (!c) throw notFound('Container');
    if (c.state !== 'running')
      throw conflict(`Container "${c.name}" is ${c.state}; a shell needs it running.`);
    const target = `${record.label}/${c.name}`;
    const session = await runtime.engine(record.label).exec(c.id, cols, rows);
    const startedAt = Date.now();
    await this.audit.append({
      actor: actorOf(auth),
      action: 'container.exec.start',
      target,
      details: { hostId, containerId: c.id, container: c.name },
    });
    let ended = false;
    return {
      session,
      end: async ({ exitCode, ended: processesEnded, signal }) => {
        if (ended) return;
        ended = true;
        await this.audit.append({
          actor: actorOf(auth),
          action: 'container.exec.end',
          target,
          details: {
            hostId,
            containerId: c.id,
            container: c.name,
            exitCode,
            // Whether the shell and everything it started are really gone (false: something
            // survived SIGKILL; null: the engine could not be asked), and the signal it took.
            ended: processesEnded,
            signal,
            seconds: Math.round((Date.now() - startedAt) / 1000),
          },
        });
      },
    };
  }

  /** A push report for `record` (already authenticated by its token). Keeps the last good data on error. */
  ingest(record: HostRecord, body: unknown): void {
    const e = this.entries.get(record.id);
    if (!e || !(e.runtime instanceof AgentRuntime)) throw notFound('Host');
    const parsed = parseReport(record.id, body);
    const receivedAt = new Date().toISOString();
    e.runtime.apply(parsed, receivedAt);
    this.scheduleSnapshot(record.id);
  }

  // ---- internals --------------------------------------------------------------------------------

  private entry(hostId: string): Entry {
    const e = this.entries.get(hostId);
    if (!e) throw notFound('Host');
    return e;
  }

  private engineEntry(hostId: string, what: string): { record: HostRecord; runtime: EngineRuntime } {
    const e = this.entry(hostId);
    if (!(e.runtime instanceof EngineRuntime))
      throw conflict(
        `Host "${e.record.label}" is a read-only push host: ${what} is not available there (the deck never connects to it).`,
      );
    return { record: e.record, runtime: e.runtime };
  }

  private removedNow(runtime: EngineRuntime, id: string): void {
    // The destroy event will say the same; dropping now keeps the answer and the list consistent.
    if (runtime.forget(id)) this.removed(runtime.hostId, [id]);
  }

  private connector(record: HostRecord): () => Promise<EngineConnection> {
    const hostId = record.id;
    if (record.kind === 'local') {
      const socketPath = record.config.socketPath;
      return () => this.connect.local(hostId, socketPath);
    }
    if (record.kind !== 'ssh') throw new Error('push hosts have no connector');
    const c = record.config;
    return async () => {
      const secrets = await this.hosts.sshSecrets(hostId);
      return this.connect.ssh(
        hostId,
        {
          host: c.host,
          port: c.port,
          username: c.username,
          hostKeyFingerprint: c.hostKeyFingerprint,
          ...secrets,
          jump: c.jump && secrets.jump ? { ...c.jump, ...secrets.jump } : undefined,
          readyTimeoutMs: 8_000,
          keepaliveIntervalMs: 3_000,
          keepaliveCountMax: 2,
        },
        c.socketPath,
      );
    };
  }

  private async restoreSnapshot(hostId: string): Promise<void> {
    const e = this.entries.get(hostId);
    const snap = await this.repo.snapshot(hostId);
    if (!snap || !(e?.runtime instanceof AgentRuntime)) return;
    try {
      const data = JSON.parse(snap.data) as {
        containers: ContainerDetail[];
        stats: [string, ContainerStats][];
      };
      e.runtime.restore(snap.received_at, snap.hostname, data.containers, data.stats);
    } catch (err) {
      this.warn(`the stored report of host ${hostId} is unreadable; waiting for the next one`, err);
    }
  }

  private scheduleSnapshot(hostId: string): void {
    if (this.pendingSnapshots.has(hostId)) return;
    const t = setTimeout(() => {
      this.pendingSnapshots.delete(hostId);
      this.writeSnapshot(hostId).catch((err: unknown) =>
        this.warn(`saving the report of host ${hostId} failed`, err),
      );
    }, this.snapshotFlushMs);
    t.unref();
    this.pendingSnapshots.set(hostId, t);
  }

  private async writeSnapshot(hostId: string): Promise<void> {
    const rt = this.entries.get(hostId)?.runtime;
    if (!(rt instanceof AgentRuntime) || !rt.lastReportAt) return;
    await this.repo.saveSnapshot({
      host_id: hostId,
      received_at: rt.lastReportAt,
      hostname: rt.hostname ?? '',
      data: JSON.stringify({ containers: [...rt.containers.values()], stats: [...rt.stats.entries()] }),
    });
  }
}
