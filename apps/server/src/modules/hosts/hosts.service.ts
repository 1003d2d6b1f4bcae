import {
  HOST_FIELDS,
  HOST_TOKEN_PREFIX,
  hostKindsTaking,
  type ConfirmHostKeyBody,
  type CreateHostBody,
  type CreatedHost,
  type Host,
  type HostStatus,
  type UpdateHostBody,
} from '@airlock/contract/hosts';
import { shellQuote } from '@airlock/contract/shell';
import type { HostsTable } from '../../db/schema';
import { randomToken, safeEqual, sha256 } from '../../lib/crypto';
import { badRequest, conflict, notFound } from '../../lib/errors';
import type { AuthContext } from '../../lib/route';
import type { Vault } from '../../lib/vault';
import { actorOf, type AuditService } from '../audit/audit.module';
import {
  AgentConfig,
  LocalConfig,
  SshConfig,
  SshSecrets,
  isHostKind,
  pendingStatus,
  sshSecretsAad,
  type HostRecord,
  type SshSecrets as SshSecretsT,
} from './hosts.model';
import type { HostsRepo } from './hosts.repo';

/** What the fleet knows about a host at run time (status, presented keys, counts). */
export interface HostRuntimeView {
  status: HostStatus;
  containerCount: number;
  presentedFingerprint: string | null;
  presentedJumpFingerprint: string | null;
  lastReportAt: string | null;
  hostname: string | null;
}

/** The fleet side: told about every change, asked for run-time state. */
export interface HostWatcher {
  /** `credentialsChanged`: the sealed SSH secrets changed, so a standing connection is stale too. */
  hostChanged(record: HostRecord, credentialsChanged?: boolean): void;
  hostRemoved(id: string): void;
  reconnect(id: string): void;
  view(id: string): HostRuntimeView;
}

export const pendingView = (): HostRuntimeView => ({
  status: pendingStatus(),
  containerCount: 0,
  presentedFingerprint: null,
  presentedJumpFingerprint: null,
  lastReportAt: null,
  hostname: null,
});

export function toRecord(r: HostsTable): HostRecord {
  const base = {
    id: r.id,
    label: r.label,
    protected: r.protected === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  const config: unknown = JSON.parse(r.config);
  if (!isHostKind(r.kind)) throw new Error(`host ${r.id} has unknown kind ${r.kind}`);
  switch (r.kind) {
    case 'local':
      return { ...base, kind: 'local', config: LocalConfig.parse(config) };
    case 'ssh':
      return { ...base, kind: 'ssh', config: SshConfig.parse(config) };
    case 'agent':
      return { ...base, kind: 'agent', config: AgentConfig.parse(config), tokenPrefix: r.token_prefix ?? '' };
  }
}

/** A host token: `alh_<hostId>_<secret>`; only sha256(secret) is stored. */
function newHostToken(hostId: string): { token: string; hash: string; prefix: string } {
  const secret = randomToken(32);
  const token = `${HOST_TOKEN_PREFIX}${hostId}_${secret}`;
  return {
    token,
    hash: sha256(secret),
    prefix: token.slice(0, HOST_TOKEN_PREFIX.length + hostId.length + 5),
  };
}

const DUMMY_HASH = sha256('airlock: no such host token');

export function installCommand(baseUrl: string, token: string, intervalSeconds: number): string {
  const url = baseUrl.replace(/\/+$/, '');
  const plainHttp = url.startsWith('http://') && !/^http:\/\/(127\.|localhost|\[::1\])/.test(url);
  return [
    `curl -fsSL ${shellQuote(`${url}/agent/airlock-agent.sh`)} -o /usr/local/bin/airlock-agent && chmod 0755 /usr/local/bin/airlock-agent`,
    `install -d -m 0700 /etc/airlock && ( umask 077; printf '%s\\n' ${shellQuote(token)} > /etc/airlock/host-token )`,
    `${plainHttp ? 'AIRLOCK_ALLOW_HTTP=1 ' : ''}AIRLOCK_URL=${shellQuote(url)} AIRLOCK_HOST_TOKEN_FILE=/etc/airlock/host-token AIRLOCK_INTERVAL=${intervalSeconds} airlock-agent --once`,
    `# then keep it running, e.g. as a systemd service: see docs/push-agent.md`,
  ].join('\n');
}

/** The hostname of a deck URL is loopback (or unspecified): an agent elsewhere would reach itself. */
function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '[::1]' ||
    host === '0.0.0.0' ||
    host === '[::]'
  );
}

/** What the Hosts page shows beside an install command whose URL other machines cannot use. */
export function installWarning(baseUrl: string): string | null {
  if (!isLoopbackUrl(baseUrl)) return null;
  const url = baseUrl.replace(/\/+$/, '');
  return (
    `This command points the agent at ${url}, the address your browser reached the deck at; on any ` +
    'other machine that address is the machine itself. Open the deck at an address the host can reach, ' +
    'or set publicUrl in the deck’s config (AIRLOCK_PUBLIC_URL), then rotate the token for a new command. ' +
    'It works as it is only for an agent on the deck’s own machine.'
  );
}

export class HostsService {
  private watcher: HostWatcher | null = null;
  private readonly vaultListeners: Array<() => void> = [];
  /** Push hosts by id with their token hash: every report is authenticated without a query. */
  private readonly tokenCache = new Map<string, { tokenHash: string; record: HostRecord }>();

  constructor(
    private readonly repo: HostsRepo,
    private readonly vault: Vault,
    private readonly audit: AuditService,
  ) {}

  attach(watcher: HostWatcher): void {
    this.watcher = watcher;
  }

  /** After SSH secrets may have changed (a host added, edited or removed): see vaultSecrets. */
  onVaultChange(listener: () => void): void {
    this.vaultListeners.push(listener);
  }

  private vaultChanged(): void {
    for (const l of this.vaultListeners) l();
  }

  async records(): Promise<HostRecord[]> {
    return (await this.repo.all()).map(toRecord);
  }

  async record(id: string): Promise<HostRecord> {
    const row = await this.repo.byId(id);
    if (!row) throw notFound('Host');
    return toRecord(row);
  }

  /** SSH credentials, opened from the vault only to connect. */
  async sshSecrets(id: string): Promise<SshSecretsT> {
    const row = await this.repo.byId(id);
    if (!row?.secrets) return { jump: null };
    return SshSecrets.parse(JSON.parse(this.vault.open(row.secrets, sshSecretsAad(id))));
  }

  /**
   * Every SSH secret the vault holds, named by host label and field (never the value): what a
   * sealed session's gateway must refuse to let out (sessions/sensitive.ts).
   */
  async vaultSecrets(): Promise<Array<{ name: string; value: string }>> {
    const out: Array<{ name: string; value: string }> = [];
    for (const row of await this.repo.all()) {
      if (!row.secrets) continue;
      const s = await this.sshSecrets(row.id);
      const label = row.label.slice(0, 40);
      for (const [who, c] of [
        ['', s],
        ['jump:', s.jump],
      ] as const)
        for (const field of ['privateKey', 'passphrase', 'password'] as const) {
          const value = c?.[field];
          if (value) out.push({ name: `ssh:${label}:${who}${field}`, value });
        }
    }
    return out;
  }

  toHost(rec: HostRecord): Host {
    const v = this.watcher?.view(rec.id) ?? pendingView();
    return {
      id: rec.id,
      kind: rec.kind,
      label: rec.label,
      protected: rec.protected,
      status: v.status,
      containerCount: v.containerCount,
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
      local: rec.kind === 'local' ? { socketPath: rec.config.socketPath } : null,
      ssh:
        rec.kind === 'ssh'
          ? {
              host: rec.config.host,
              port: rec.config.port,
              username: rec.config.username,
              socketPath: rec.config.socketPath,
              auth: rec.config.auth,
              hostKeyFingerprint: rec.config.hostKeyFingerprint,
              presentedFingerprint: v.presentedFingerprint,
              jump: rec.config.jump
                ? { ...rec.config.jump, presentedFingerprint: v.presentedJumpFingerprint }
                : null,
            }
          : null,
      agent:
        rec.kind === 'agent'
          ? {
              intervalSeconds: rec.config.intervalSeconds,
              tokenPrefix: rec.tokenPrefix,
              lastReportAt: v.lastReportAt,
              hostname: v.hostname,
            }
          : null,
    };
  }

  async list(): Promise<Host[]> {
    return (await this.records()).map((r) => this.toHost(r));
  }

  async get(id: string): Promise<Host> {
    return this.toHost(await this.record(id));
  }

  async create(auth: AuthContext, body: CreateHostBody, baseUrl: string): Promise<CreatedHost> {
    const id = randomToken(9).replace(/_/g, '-');
    const now = new Date().toISOString();
    const row: HostsTable = {
      id,
      kind: body.kind,
      label: body.label,
      protected: body.protected ? 1 : 0,
      config: '',
      secrets: null,
      token_hash: null,
      token_prefix: null,
      created_at: now,
      updated_at: now,
    };
    let token: string | null = null;
    switch (body.kind) {
      case 'local':
        row.config = JSON.stringify({ socketPath: body.socketPath } satisfies LocalConfig);
        break;
      case 'ssh': {
        const config: SshConfig = {
          host: body.host,
          port: body.port,
          username: body.username,
          hostKeyFingerprint: body.hostKeyFingerprint ?? null,
          socketPath: body.socketPath,
          auth: body.privateKey ? 'key' : 'password',
          jump: body.jump
            ? {
                host: body.jump.host,
                port: body.jump.port,
                username: body.jump.username,
                hostKeyFingerprint: body.jump.hostKeyFingerprint ?? null,
              }
            : null,
        };
        if (body.jump && !body.jump.privateKey && !body.jump.password)
          throw badRequest('Give a private key or a password for the jump host user.', {
            field: 'jump.privateKey',
          });
        row.config = JSON.stringify(config);
        row.secrets = this.sealSsh(id, {
          privateKey: body.privateKey,
          passphrase: body.passphrase,
          password: body.password,
          jump: body.jump
            ? {
                privateKey: body.jump.privateKey,
                passphrase: body.jump.passphrase,
                password: body.jump.password,
              }
            : null,
        });
        break;
      }
      case 'agent': {
        row.config = JSON.stringify({ intervalSeconds: body.intervalSeconds } satisfies AgentConfig);
        const t = newHostToken(id);
        token = t.token;
        row.token_hash = t.hash;
        row.token_prefix = t.prefix;
        break;
      }
    }
    await this.repo.insert(row);
    const rec = toRecord(row);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'host.create',
      target: `host:${id}`,
      details: { label: rec.label, kind: rec.kind, protected: rec.protected, ...this.auditConfig(rec) },
    });
    this.watcher?.hostChanged(rec);
    this.vaultChanged();
    return {
      host: this.toHost(rec),
      agentToken: token,
      installCommand:
        token && rec.kind === 'agent' ? installCommand(baseUrl, token, rec.config.intervalSeconds) : null,
      installWarning: token && rec.kind === 'agent' ? installWarning(baseUrl) : null,
    };
  }

  async update(auth: AuthContext, id: string, body: UpdateHostBody): Promise<Host> {
    const row = await this.repo.byId(id);
    if (!row) throw notFound('Host');
    const rec = toRecord(row);
    const patch: Partial<HostsTable> = { updated_at: new Date().toISOString() };
    const changed: string[] = [];
    const credentialFields = ['privateKey', 'passphrase', 'password', 'jump'] as const;
    const credentialsChanged = credentialFields.some((f) => body[f] !== undefined);
    if (body.label !== undefined) {
      patch.label = body.label;
      changed.push('label');
    }
    if (body.protected !== undefined) {
      patch.protected = body.protected ? 1 : 0;
      changed.push('protected');
    }
    // Which kind takes which field is read off the contract's create schemas (HOST_FIELDS).
    const taken: readonly string[] = HOST_FIELDS[rec.kind];
    for (const [field, value] of Object.entries(body)) {
      if (value === undefined || taken.includes(field)) continue;
      throw badRequest(
        `"${field}" applies to ${hostKindsTaking(field).join(' and ')} hosts only; this host is ${rec.kind}.`,
        { field },
      );
    }

    if (rec.kind === 'local' && body.socketPath !== undefined) {
      patch.config = JSON.stringify({ socketPath: body.socketPath } satisfies LocalConfig);
      changed.push('socketPath');
    }
    if (rec.kind === 'agent' && body.intervalSeconds !== undefined) {
      patch.config = JSON.stringify({ intervalSeconds: body.intervalSeconds } satisfies AgentConfig);
      changed.push('intervalSeconds');
    }
    if (rec.kind === 'ssh') {
      const c: SshConfig = { ...rec.config };
      const endpointChanged =
        (body.host !== undefined && body.host !== c.host) ||
        (body.port !== undefined && body.port !== c.port);
      if (body.host !== undefined) c.host = body.host;
      if (body.port !== undefined) c.port = body.port;
      if (body.username !== undefined) c.username = body.username;
      if (body.socketPath !== undefined) c.socketPath = body.socketPath;
      // A new address is a new host: its old pin no longer proves anything.
      if (endpointChanged && body.hostKeyFingerprint === undefined) c.hostKeyFingerprint = null;
      if (body.hostKeyFingerprint !== undefined) c.hostKeyFingerprint = body.hostKeyFingerprint;
      const secrets = await this.sshSecrets(id);
      if (body.privateKey !== undefined) secrets.privateKey = body.privateKey ?? undefined;
      if (body.passphrase !== undefined) secrets.passphrase = body.passphrase ?? undefined;
      if (body.password !== undefined) secrets.password = body.password ?? undefined;
      if (body.jump !== undefined) {
        const j = body.jump;
        c.jump = j
          ? {
              host: j.host,
              port: j.port,
              username: j.username,
              hostKeyFingerprint: j.hostKeyFingerprint ?? null,
            }
          : null;
        const keep = secrets.jump ?? {};
        secrets.jump = j
          ? {
              privateKey: j.privateKey ?? keep.privateKey,
              passphrase: j.passphrase ?? keep.passphrase,
              password: j.password ?? keep.password,
            }
          : null;
        if (j && !secrets.jump?.privateKey && !secrets.jump?.password)
          throw badRequest('Give a private key or a password for the jump host user.', {
            field: 'jump.privateKey',
          });
      }
      if (!secrets.privateKey && !secrets.password)
        throw badRequest('An SSH host needs a private key or a password; this change would remove both.', {
          field: 'privateKey',
        });
      c.auth = secrets.privateKey ? 'key' : 'password';
      patch.config = JSON.stringify(c);
      patch.secrets = this.sealSsh(id, secrets);
      const sent = body as Record<string, unknown>;
      // label and protected were recorded above.
      for (const f of HOST_FIELDS.ssh)
        if (f !== 'label' && f !== 'protected' && sent[f] !== undefined) changed.push(f);
    }
    await this.repo.update(id, patch);
    this.tokenCache.delete(id);
    const next = toRecord({ ...row, ...patch });
    await this.audit.append({
      actor: actorOf(auth),
      action: 'host.update',
      target: `host:${id}`,
      details: { label: next.label, changed, ...this.auditConfig(next) },
    });
    this.watcher?.hostChanged(next, rec.kind === 'ssh' && credentialsChanged);
    this.vaultChanged();
    return this.toHost(next);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const row = await this.repo.byId(id);
    if (!row) throw notFound('Host');
    await this.repo.remove(id);
    this.tokenCache.delete(id);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'host.remove',
      target: `host:${id}`,
      details: { label: row.label, kind: row.kind },
    });
    this.watcher?.hostRemoved(id);
    this.vaultChanged();
  }

  /** Pins the key the host presented, after the admin compared it out of band. */
  async confirmHostKey(auth: AuthContext, id: string, body: ConfirmHostKeyBody): Promise<Host> {
    const rec = await this.record(id);
    if (rec.kind !== 'ssh') throw badRequest(`Host "${rec.label}" is not an SSH host; it has no host key.`);
    if (body.jump && !rec.config.jump) throw badRequest(`Host "${rec.label}" has no jump host.`);
    const v = this.watcher?.view(id) ?? pendingView();
    const presented = body.jump ? v.presentedJumpFingerprint : v.presentedFingerprint;
    if (!presented)
      throw conflict(
        `No unconfirmed key was presented by ${body.jump ? 'the jump host' : 'this host'} yet; wait for a connection attempt (Reconnect) and try again.`,
      );
    if (!safeEqual(presented, body.fingerprint))
      throw conflict(
        `That fingerprint is not the one the host presented (${presented}); nothing was pinned. Compare again.`,
        { presented },
      );
    const c: SshConfig = { ...rec.config };
    if (body.jump && c.jump) c.jump = { ...c.jump, hostKeyFingerprint: body.fingerprint };
    else c.hostKeyFingerprint = body.fingerprint;
    await this.repo.update(id, { config: JSON.stringify(c), updated_at: new Date().toISOString() });
    await this.audit.append({
      actor: actorOf(auth),
      action: 'host.confirm_key',
      target: `host:${id}`,
      details: { label: rec.label, fingerprint: body.fingerprint, jump: body.jump },
    });
    const next = await this.record(id);
    this.watcher?.hostChanged(next);
    return this.toHost(next);
  }

  async rotateToken(auth: AuthContext, id: string, baseUrl: string): Promise<CreatedHost> {
    const rec = await this.record(id);
    if (rec.kind !== 'agent')
      throw badRequest(`Host "${rec.label}" is a ${rec.kind} host; only push-agent hosts have a token.`);
    const t = newHostToken(id);
    await this.repo.update(id, {
      token_hash: t.hash,
      token_prefix: t.prefix,
      updated_at: new Date().toISOString(),
    });
    // The old token stops working now, not when a cache expires.
    this.tokenCache.delete(id);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'host.rotate_token',
      target: `host:${id}`,
      details: { label: rec.label, tokenPrefix: t.prefix },
    });
    const next = await this.record(id);
    return {
      host: this.toHost(next),
      agentToken: t.token,
      installCommand: installCommand(baseUrl, t.token, rec.config.intervalSeconds),
      installWarning: installWarning(baseUrl),
    };
  }

  async reconnect(auth: AuthContext, id: string): Promise<Host> {
    const rec = await this.record(id);
    if (rec.kind === 'agent')
      throw badRequest(`Host "${rec.label}" is a push-agent host; the deck does not connect to it.`);
    this.watcher?.reconnect(id);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'host.reconnect',
      target: `host:${id}`,
      details: { label: rec.label },
    });
    return this.toHost(rec);
  }

  /**
   * The host a push token belongs to, or null. Constant time in the secret: a token for an unknown
   * host still costs a hash and a comparison.
   */
  async hostForToken(token: string): Promise<HostRecord | null> {
    const m = /^alh_([A-Za-z0-9-]{1,64})_([A-Za-z0-9_-]{20,200})$/.exec(token);
    let known = m ? this.tokenCache.get(m[1]!) : undefined;
    if (m && !known) {
      const row = await this.repo.byId(m[1]!);
      // Unknown ids are not cached: the map stays bounded by the number of push hosts.
      if (row?.kind === 'agent' && row.token_hash) {
        known = { tokenHash: row.token_hash, record: toRecord(row) };
        this.tokenCache.set(row.id, known);
      }
    }
    const ok = safeEqual(sha256(m?.[2] ?? ''), known?.tokenHash ?? DUMMY_HASH);
    return ok && known ? known.record : null;
  }

  private sealSsh(id: string, s: SshSecretsT): string {
    return this.vault.seal(JSON.stringify(s), sshSecretsAad(id));
  }

  /** Non-secret settings worth recording in the audit log. */
  private auditConfig(rec: HostRecord): Record<string, unknown> {
    switch (rec.kind) {
      case 'local':
        return { socketPath: rec.config.socketPath };
      case 'ssh':
        return {
          ssh: `${rec.config.username}@${rec.config.host}:${rec.config.port}`,
          hostKeyFingerprint: rec.config.hostKeyFingerprint,
          jump: rec.config.jump
            ? `${rec.config.jump.username}@${rec.config.jump.host}:${rec.config.jump.port}`
            : null,
        };
      case 'agent':
        return { intervalSeconds: rec.config.intervalSeconds };
    }
  }
}
