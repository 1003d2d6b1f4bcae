import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BlockEvent, SessionPolicy } from '@airlock/contract/gateway';
import type {
  CreateSessionBody,
  ExecBody,
  ExecResult,
  Orphan,
  Session,
  SessionBlock,
} from '@airlock/contract/sessions';
import type { SandboxSessionsTable } from '../../db/schema';
import { AppError, conflict, notFound, Unavailable } from '../../lib/errors';
import type { AuthContext } from '../../lib/route';
import { actorOf, type AuditService } from '../audit/audit.module';
import type { StreamHub } from '../stream/stream.module';
import type { Gateway } from './gateway.port';
import type { CredentialSource, ProfileSource, SensitiveSource, SessionProfile } from './policy.port';
import type { RuntimeKind, SandboxRef, SandboxRuntime } from './runtime.port';
import { sensitiveFor } from './sensitive';
import type { SessionsRepo } from './sessions.repo';

/** The value a sandbox sees in place of an injected credential, so CLIs that want one start. */
export const PLACEHOLDER = 'airlock-managed';
const RECENT_BLOCKS = 20;
/** Egress blocks audited per session per minute; past it they are counted and summarised. */
const AUDIT_BLOCKS_PER_MINUTE = 60;

export interface SessionsOptions {
  home: string;
  defaultImage: string;
  execOutputBytes: number;
  execTimeoutMs: number;
  warn(msg: string, err?: unknown): void;
}

export interface SessionsDeps {
  repo: SessionsRepo;
  gateway: Gateway;
  runtimes: Partial<Record<RuntimeKind, SandboxRuntime>>;
  profiles: ProfileSource;
  credentials: CredentialSource;
  sensitive: SensitiveSource;
  audit: AuditService;
  hub: StreamHub;
  options: SessionsOptions;
}

const newId = () => `s-${randomBytes(8).toString('hex')}`;

export class SessionsService {
  private vaultResend: 'idle' | 'running' | 'queued' = 'idle';
  private readonly blockBudget = new Map<string, { windowStart: number; used: number; suppressed: number }>();

  constructor(private readonly d: SessionsDeps) {
    d.gateway.onEvent((e) => {
      if (e.kind === 'blocked')
        void this.recordBlock(e).catch((err: unknown) => d.options.warn('recording a block failed', err));
    });
    d.gateway.onUp(() => void this.resendPolicies());
    // Health is public (GET /api/health), so every signed-in user may hear of a change.
    d.gateway.onHealth((gateway) => d.hub.publish({ type: 'gateway.health', gateway }));
    d.profiles.onChange((profileId) => void this.profileChanged(profileId));
    d.sensitive.onChange(() => this.vaultChanged());
  }

  // ---- reads ----------------------------------------------------------------------------------

  async list(): Promise<Session[]> {
    const rows = await this.d.repo.list();
    return Promise.all(rows.map((r) => this.toSession(r)));
  }

  async get(id: string): Promise<Session> {
    return this.toSession(await this.row(id));
  }

  /** Sessions using a profile that are still alive (the profiles module refuses to remove it meanwhile). */
  async liveForProfile(profileId: string): Promise<string[]> {
    return (await this.d.repo.byProfile(profileId)).map((r) => r.id);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async create(auth: AuthContext, body: CreateSessionBody): Promise<Session> {
    const profile = await this.d.profiles.resolve(body.profile);
    if (!profile) throw notFound(`Profile "${body.profile}"`);
    const runtime = this.runtimeFor(profile.runtime);
    const image = profile.image ?? this.d.options.defaultImage;
    const check = await runtime.check(image);
    if (!check.ok)
      throw new Unavailable(`The ${profile.runtime} runtime cannot start a sandbox: ${check.reason}`);
    const { policy, env } = await this.policyFor(profile);
    const id = newId();
    const workdir = path.join(this.d.options.home, 'work', body.workdir ?? id);
    const row: SandboxSessionsTable = {
      id,
      profile_id: profile.id,
      profile_name: profile.name,
      runtime: profile.runtime,
      state: 'starting',
      state_reason: null,
      handle: null,
      workdir,
      created_by: auth.user.username,
      created_at: new Date().toISOString(),
      blocked_count: 0,
    };
    await this.d.repo.insert(row);
    try {
      // The policy is in place before the sandbox exists: its first request already meets it.
      const put = await this.d.gateway.putSession(id, policy);
      mkdirSync(workdir, { recursive: true, mode: 0o755 });
      const ref = await runtime.start({
        sessionId: id,
        profileId: profile.id,
        image,
        socketDir: path.dirname(put.socketPath),
        workdir,
        env,
        limits: {
          pids: profile.limits.pids,
          memoryBytes: profile.limits.memoryMb * 1024 * 1024,
          cpus: profile.limits.cpus,
        },
      });
      await this.d.repo.update(id, { state: 'running', handle: ref.handle });
    } catch (err) {
      // Nothing half-made stays behind: no sandbox, no socket, no policy, no row.
      await this.removeSandbox(profile.runtime, id).catch(() => undefined);
      await this.d.gateway.removeSession(id).catch(() => undefined);
      await this.d.repo.remove(id);
      await this.d.audit.append({
        actor: actorOf(auth),
        action: 'session.create.failed',
        target: `session:${id}`,
        details: { profile: profile.name, reason: err instanceof Error ? err.message : String(err) },
      });
      if (err instanceof AppError) throw err;
      throw new Unavailable(
        `The sandbox could not start: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    await this.d.audit.append({
      actor: actorOf(auth),
      action: 'session.created',
      target: `session:${id}`,
      details: { profile: profile.name, runtime: profile.runtime, image, workdir: path.basename(workdir) },
    });
    const session = await this.get(id);
    this.d.hub.publish({ type: 'session.updated', session });
    return session;
  }

  async exec(auth: AuthContext, id: string, body: ExecBody): Promise<ExecResult> {
    const row = await this.row(id);
    if (row.state !== 'running')
      throw conflict(
        `Session ${id} is ${row.state}${row.state_reason ? ` (${row.state_reason})` : ''}; remove it and start another.`,
      );
    const runtime = this.runtimeFor(row.runtime as RuntimeKind);
    const timeoutMs = Math.min(body.timeoutMs ?? this.d.options.execTimeoutMs, 3_600_000);
    const r = await runtime.exec(this.refOf(row), {
      argv: body.argv,
      ...(body.stdin !== undefined ? { stdin: Buffer.from(body.stdin, 'utf8') } : {}),
      timeoutMs,
      maxOutputBytes: this.d.options.execOutputBytes,
    });
    await this.d.audit.append({
      actor: actorOf(auth),
      action: 'session.exec',
      target: `session:${id}`,
      // The command as typed, shortened; stdin and output are not audited.
      details: { argv: body.argv.join(' ').slice(0, 500), exitCode: r.exitCode, timedOut: r.timedOut },
    });
    return {
      exitCode: r.exitCode,
      stdout: r.stdout.toString('utf8'),
      stderr: r.stderr.toString('utf8'),
      truncated: r.truncated,
      timedOut: r.timedOut,
    };
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const row = await this.row(id);
    await this.removeSandbox(row.runtime as RuntimeKind, id);
    await this.d.gateway.removeSession(id).catch((err: unknown) => {
      // The gateway is down: it holds no policy then, and its socket directory goes here.
      if (!(err instanceof Unavailable)) throw err;
      rmSync(path.join(this.d.gateway.socketRoot(), id), { recursive: true, force: true });
    });
    const session = await this.toSession(row);
    await this.d.repo.remove(id);
    await this.d.audit.append({
      actor: actorOf(auth),
      action: 'session.removed',
      target: `session:${id}`,
      details: { profile: row.profile_name },
    });
    this.d.hub.publish({ type: 'session.updated', session, removed: true });
  }

  // ---- live policy --------------------------------------------------------------------------

  /** A profile changed: every running session under it gets the new policy, applied to its next request. */
  async profileChanged(profileId: string): Promise<void> {
    const rows = (await this.d.repo.byProfile(profileId)).filter((r) => r.state === 'running');
    if (rows.length === 0) return;
    const profile = await this.d.profiles.resolve(profileId);
    if (!profile) return;
    const { policy } = await this.policyFor(profile);
    for (const r of rows) {
      await this.d.gateway
        .putSession(r.id, policy)
        .catch((err: unknown) => this.d.options.warn(`policy update for session ${r.id} failed`, err));
    }
  }

  /** The gateway is (again) up: it holds nothing, so every running session's policy goes back. */
  /**
   * A secret added to the vault must be refused by sessions already running, not only by new ones.
   * Changes that come in a burst share one re-send; one that lands during a re-send gets another.
   */
  private vaultChanged(): void {
    if (this.vaultResend === 'queued') return;
    if (this.vaultResend === 'running') {
      this.vaultResend = 'queued';
      return;
    }
    this.vaultResend = 'running';
    void this.resendPolicies()
      .catch((err: unknown) => this.d.options.warn('re-sending policies after a vault change failed', err))
      .finally(() => {
        const again = this.vaultResend === 'queued';
        this.vaultResend = 'idle';
        if (again) this.vaultChanged();
      });
  }

  async resendPolicies(): Promise<void> {
    for (const r of await this.d.repo.list()) {
      if (r.state !== 'running') continue;
      const profile = await this.d.profiles.resolve(r.profile_id);
      if (!profile) {
        await this.markLost(r.id, 'its profile no longer exists');
        continue;
      }
      const { policy } = await this.policyFor(profile);
      await this.d.gateway
        .putSession(r.id, policy)
        .catch((err: unknown) => this.d.options.warn(`re-sending the policy of session ${r.id} failed`, err));
    }
  }

  /** At start: a running session whose sandbox is gone is `lost` (its row stays, to be removed). */
  async reconcile(): Promise<void> {
    const rows = await this.d.repo.list();
    for (const kind of Object.keys(this.d.runtimes) as RuntimeKind[]) {
      const refs = await this.listSandboxes(kind);
      if (refs === null) continue;
      const alive = new Set(refs.filter((r) => r.running).map((r) => r.sessionId));
      for (const r of rows)
        if (r.runtime === kind && (r.state === 'running' || r.state === 'starting') && !alive.has(r.id))
          await this.markLost(
            r.id,
            r.state === 'starting' ? 'the server stopped while it was starting' : 'its sandbox is gone',
          );
    }
  }

  async orphans(): Promise<Orphan[]> {
    const known = new Set((await this.d.repo.list()).map((r) => r.id));
    const out: Orphan[] = [];
    for (const kind of Object.keys(this.d.runtimes) as RuntimeKind[])
      for (const ref of (await this.listSandboxes(kind)) ?? [])
        if (!known.has(ref.sessionId))
          out.push({ kind: 'sandbox', sessionId: ref.sessionId, detail: `${kind}:${ref.handle}` });
    let dirs: string[] = [];
    try {
      dirs = readdirSync(this.d.gateway.socketRoot());
    } catch {
      // none yet
    }
    for (const d of dirs)
      if (!known.has(d))
        out.push({ kind: 'socket', sessionId: d, detail: path.join(this.d.gateway.socketRoot(), d) });
    const live = await this.d.gateway.listSessions().catch(() => [] as string[]);
    for (const id of live)
      if (!known.has(id)) out.push({ kind: 'policy', sessionId: id, detail: `gateway session ${id}` });
    return out;
  }

  async cleanup(auth: AuthContext): Promise<Orphan[]> {
    const orphans = await this.orphans();
    for (const o of orphans) {
      if (o.kind === 'sandbox') {
        const kind = o.detail.split(':')[0] as RuntimeKind;
        await this.removeSandbox(kind, o.sessionId);
      } else if (o.kind === 'socket') {
        await this.d.gateway.removeSession(o.sessionId).catch(() => undefined);
        rmSync(o.detail, { recursive: true, force: true });
      } else {
        await this.d.gateway.removeSession(o.sessionId);
      }
    }
    await this.d.audit.append({
      actor: actorOf(auth),
      action: 'session.cleanup',
      details: { removed: orphans.map((o) => `${o.kind}:${o.sessionId}`) },
    });
    return orphans;
  }

  // ---- blocks -------------------------------------------------------------------------------

  async recordBlock(e: BlockEvent): Promise<void> {
    const block: SessionBlock = {
      at: e.at,
      method: e.method,
      host: e.host,
      port: e.port,
      path: e.path,
      rule: e.rule,
      reason: e.reason,
    };
    if (!(await this.d.repo.addBlock(e.session, block))) return;
    this.d.hub.publish({ type: 'session.blocked', sessionId: e.session, block });
    // A sandbox can be made to knock a thousand times a second: the audit log records a budget's
    // worth in full and then how many it left out, so it stays readable and cannot be flooded.
    const now = Date.now();
    let b = this.blockBudget.get(e.session);
    if (!b || now - b.windowStart >= 60_000) {
      if (b && b.suppressed > 0)
        await this.d.audit.append({
          actor: { type: 'system' },
          action: 'session.egress.blocked.suppressed',
          target: `session:${e.session}`,
          details: { count: b.suppressed },
        });
      b = { windowStart: now, used: 0, suppressed: 0 };
      this.blockBudget.set(e.session, b);
    }
    if (b.used >= AUDIT_BLOCKS_PER_MINUTE) {
      b.suppressed++;
      return;
    }
    b.used++;
    await this.d.audit.append({
      actor: { type: 'system' },
      action: 'session.egress.blocked',
      target: `session:${e.session}`,
      details: { method: e.method, host: e.host, port: e.port, path: e.path, rule: e.rule },
    });
  }

  // ---- helpers ------------------------------------------------------------------------------

  private async row(id: string): Promise<SandboxSessionsTable> {
    const row = await this.d.repo.byId(id);
    if (!row) throw notFound(`Session ${id}`);
    return row;
  }

  private runtimeFor(kind: RuntimeKind): SandboxRuntime {
    const r = this.d.runtimes[kind];
    if (!r) throw new Unavailable(`The ${kind} runtime is not available on this server.`);
    return r;
  }

  private refOf(row: SandboxSessionsTable): SandboxRef {
    return {
      runtime: row.runtime as RuntimeKind,
      sessionId: row.id,
      profileId: row.profile_id,
      handle: row.handle ?? '',
      running: row.state === 'running',
    };
  }

  private async listSandboxes(kind: RuntimeKind): Promise<SandboxRef[] | null> {
    try {
      return await this.runtimeFor(kind).list();
    } catch (err) {
      this.d.options.warn(`listing ${kind} sandboxes failed`, err);
      return null;
    }
  }

  private async removeSandbox(kind: RuntimeKind, id: string): Promise<void> {
    const runtime = this.d.runtimes[kind];
    if (!runtime) return;
    for (const ref of await runtime.list()) if (ref.sessionId === id) await runtime.remove(ref);
  }

  private async markLost(id: string, reason: string): Promise<void> {
    await this.d.repo.update(id, { state: 'lost', state_reason: reason });
    this.d.hub.publish({ type: 'session.updated', session: await this.get(id) });
  }

  /** The gateway policy of a profile, and the sandbox env (placeholders for injected credentials). */
  private async policyFor(
    profile: SessionProfile,
  ): Promise<{ policy: SessionPolicy; env: Record<string, string> }> {
    const names = [...new Set(profile.routes.flatMap((r) => (r.credential ? [r.credential] : [])))];
    const creds = await this.d.credentials.forSession(names);
    const env: Record<string, string> = {};
    for (const c of creds) if (c.env) env[c.env] = PLACEHOLDER;
    return {
      policy: {
        routes: profile.routes,
        credentials: creds.map((c) => ({ name: c.name, value: c.value, inject: c.inject, hosts: c.hosts })),
        sensitive: sensitiveFor(await this.d.sensitive.sensitiveSecrets(), creds),
      },
      env,
    };
  }

  private async toSession(row: SandboxSessionsTable): Promise<Session> {
    const blocks = await this.d.repo.recentBlocks(row.id, RECENT_BLOCKS);
    return {
      id: row.id,
      profileId: row.profile_id,
      profileName: row.profile_name,
      runtime: row.runtime as RuntimeKind,
      state: row.state as Session['state'],
      stateReason: row.state_reason,
      createdBy: row.created_by,
      createdAt: row.created_at,
      blockedCount: row.blocked_count,
      recentBlocks: blocks.map((b) => ({
        at: b.at,
        method: b.method,
        host: b.host,
        port: b.port,
        path: b.path,
        rule: b.rule,
        reason: b.reason,
      })),
    };
  }
}
