import { z } from 'zod';
import type { Credential, CreateCredentialBody } from '@airlock/contract/credentials';
import { Injection } from '@airlock/contract/gateway';
import type { CredentialsTable } from '../../db/schema';
import { newRefId } from '../../lib/crypto';
import { conflict, notFound } from '../../lib/errors';
import type { AuthContext } from '../../lib/route';
import type { Vault } from '../../lib/vault';
import { actorOf, type AuditService } from '../audit/audit.module';
import type { CredentialsRepo } from './credentials.repo';
import type { CredentialUsage } from './usage.port';

/** A credential without its value: what routes are checked against. */
export interface CredentialInfo {
  id: string;
  name: string;
  inject: Injection;
  hosts: string[];
  env: string | null;
}

/** A credential opened for a session (the gateway's `GatewayCredential` plus the env var). */
export interface SessionCredential {
  name: string;
  value: string;
  inject: Injection;
  hosts: string[];
  env: string | null;
}

const Hosts = z.array(z.string());

/** The record each sealed value is bound to: a value copied onto another row does not open. */
export const credentialAad = (id: string) => `credential:${id}`;

/** First 3 and last 4 characters of a long value (enough to recognise it), else dots only. */
export function maskValue(value: string): string {
  return value.length >= 16 ? `${value.slice(0, 3)}…${value.slice(-4)}` : '••••';
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class CredentialsService {
  private readonly vaultListeners: Array<() => void> = [];

  constructor(
    private readonly repo: CredentialsRepo,
    private readonly vault: Vault,
    private readonly audit: AuditService,
    private readonly usage: CredentialUsage,
  ) {}

  /** After a credential is added or removed: running sessions' secret scans are re-sent. */
  onVaultChange(listener: () => void): void {
    this.vaultListeners.push(listener);
  }

  async list(): Promise<Credential[]> {
    return (await this.repo.all()).map((r) => this.toCredential(r));
  }

  /** Without the value; null when no credential has this id or name. */
  async resolve(ref: string): Promise<CredentialInfo | null> {
    const row = await this.row(ref);
    return row ? this.info(row) : null;
  }

  /** Every credential without values (profiles map stored ids back to names with it). */
  async infos(): Promise<CredentialInfo[]> {
    return (await this.repo.all()).map((r) => this.info(r));
  }

  /** The named credentials, opened, for a session's gateway policy. Fails on any unknown name. */
  async forSession(names: string[]): Promise<SessionCredential[]> {
    const out: SessionCredential[] = [];
    for (const name of new Set(names)) {
      const row = await this.repo.byName(name);
      if (!row) throw notFound(`Credential "${name}"`);
      const { inject, hosts, env } = this.info(row);
      out.push({ name: row.name, value: this.open(row), inject, hosts, env });
    }
    return out;
  }

  /** Every value, opened: what a session's secret scanner must never let out. */
  async allValues(): Promise<Array<{ name: string; value: string }>> {
    return (await this.repo.all()).map((r) => ({ name: r.name, value: this.open(r) }));
  }

  async create(auth: AuthContext, body: CreateCredentialBody): Promise<Credential> {
    if (await this.repo.byName(body.name))
      throw conflict(
        `A credential named "${body.name}" already exists; remove it first or pick another name.`,
        {
          field: 'name',
        },
      );
    const id = newRefId();
    const now = new Date().toISOString();
    const row: CredentialsTable = {
      id,
      name: body.name,
      value_sealed: this.vault.seal(body.value, credentialAad(id)),
      inject: JSON.stringify(body.inject),
      hosts: JSON.stringify(body.hosts),
      env: body.env ?? null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.repo.insert(row);
    } catch (err) {
      // Two creates of one name at once: the second loses at the unique index.
      if (isUniqueViolation(err))
        throw conflict(`A credential named "${body.name}" already exists.`, { field: 'name' });
      throw err;
    }
    await this.audit.append({
      actor: actorOf(auth),
      action: 'credential.created',
      target: `credential:${id}`,
      details: { name: body.name, inject: body.inject, hosts: body.hosts, env: row.env },
    });
    for (const l of this.vaultListeners) l();
    return this.toCredential(row, body.value);
  }

  async remove(auth: AuthContext, ref: string): Promise<void> {
    const row = await this.row(ref);
    if (!row) throw notFound('Credential');
    const users = await this.usage.profilesUsing(row.id);
    if (users.length > 0)
      throw conflict(
        `Credential "${row.name}" is used by ${users.length === 1 ? 'profile' : 'profiles'} ${users
          .map((p) => `"${p}"`)
          .join(', ')}; remove it from their routes first.`,
        { profiles: users },
      );
    await this.repo.remove(row.id);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'credential.removed',
      target: `credential:${row.id}`,
      details: { name: row.name },
    });
    for (const l of this.vaultListeners) l();
  }

  /** Ids hold an upper-case letter and names never do, so a ref matches one record at most. */
  private async row(ref: string): Promise<CredentialsTable | undefined> {
    return (await this.repo.byId(ref)) ?? (await this.repo.byName(ref));
  }

  private open(row: CredentialsTable): string {
    return this.vault.open(row.value_sealed, credentialAad(row.id));
  }

  private info(r: CredentialsTable): CredentialInfo {
    return {
      id: r.id,
      name: r.name,
      inject: Injection.parse(JSON.parse(r.inject)),
      hosts: Hosts.parse(JSON.parse(r.hosts)),
      env: r.env,
    };
  }

  private toCredential(r: CredentialsTable, value = this.open(r)): Credential {
    const { id, name, inject, hosts, env } = this.info(r);
    return {
      id,
      name,
      inject,
      hosts,
      env,
      valueMasked: maskValue(value),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}
