import { z } from 'zod';
import type { ServerConfig } from '@airlock/contract/config';
import { Route } from '@airlock/contract/gateway';
import {
  Limits,
  RuntimeKind,
  type CreateProfileBody,
  type Profile,
  type UpdateProfileBody,
} from '@airlock/contract/profiles';
import type { ProfilesTable } from '../../db/schema';
import { newRefId } from '../../lib/crypto';
import { badRequest, conflict, notFound } from '../../lib/errors';
import type { AuthContext } from '../../lib/route';
import { actorOf, type AuditService } from '../audit/audit.module';
import type { ProfileCredential, ProfileCredentials } from './credentials.port';
import type { ProfilesRepo } from './profiles.repo';

export type SessionDefaults = ServerConfig['sessions'];

/** A profile was created, changed or removed (after it is stored): running sessions follow it. */
export interface ProfileChange {
  type: 'created' | 'updated' | 'removed';
  profile: Profile;
}
export type ProfileListener = (change: ProfileChange) => void;

/**
 * Asked before a profile is removed; throwing (a UserError saying why, e.g. "sessions use it")
 * refuses the removal and nothing is changed.
 */
export type BeforeRemoveHook = (profile: Profile) => Promise<void> | void;

const StoredRoutes = z.array(Route);

/** Does a credential bound to `pattern` cover requests to `host` (itself a name or `*.suffix`)? */
export function hostCovers(pattern: string, host: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');
  const p = norm(pattern);
  const h = norm(host);
  if (p === h) return true;
  // `*.x.com` covers every name below x.com (and `*.api.x.com`), never x.com itself.
  return p.startsWith('*.') && h.endsWith(p.slice(1)) && h.length > p.length - 1;
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function fieldError(path: string, reason: string) {
  return badRequest(`${path}: ${reason}`, [{ path, message: reason }]);
}

export class ProfilesService {
  private readonly listeners = new Set<ProfileListener>();
  private readonly beforeRemove = new Set<BeforeRemoveHook>();

  constructor(
    private readonly repo: ProfilesRepo,
    private readonly credentials: ProfileCredentials,
    private readonly audit: AuditService,
    private readonly defaults: SessionDefaults,
    private readonly warn: (msg: string, err: unknown) => void,
  ) {}

  /** Told about every stored change; returns the call that stops it. */
  onChange(listener: ProfileListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The sessions module's veto on removal (a profile in use); returns the call that drops it. */
  onBeforeRemove(hook: BeforeRemoveHook): () => void {
    this.beforeRemove.add(hook);
    return () => this.beforeRemove.delete(hook);
  }

  async list(): Promise<Profile[]> {
    const names = await this.credentialNames();
    return (await this.repo.all()).map((r) => this.toProfile(r, names));
  }

  async get(ref: string): Promise<Profile> {
    const row = await this.row(ref);
    if (!row) throw notFound('Profile');
    return this.toProfile(row, await this.credentialNames());
  }

  /** Names of the profiles with a route that injects this credential. */
  async profilesUsing(credentialId: string): Promise<string[]> {
    return (await this.repo.all())
      .filter((r) => this.storedRoutes(r).some((route) => route.credential === credentialId))
      .map((r) => r.name);
  }

  async create(auth: AuthContext, body: CreateProfileBody): Promise<Profile> {
    if (await this.repo.byName(body.name)) throw this.duplicate(body.name);
    const routes = await this.checkRoutes(body.routes);
    const now = new Date().toISOString();
    const row: ProfilesTable = {
      id: newRefId(),
      name: body.name,
      runtime: body.runtime,
      image: body.image ?? null,
      limits: JSON.stringify(body.limits ?? {}),
      routes: JSON.stringify(routes),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.repo.insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicate(body.name);
      throw err;
    }
    const profile = this.toProfile(row, await this.credentialNames());
    await this.audit.append({
      actor: actorOf(auth),
      action: 'profile.created',
      target: `profile:${row.id}`,
      details: this.auditDetails(profile),
    });
    this.emit({ type: 'created', profile });
    return profile;
  }

  async update(auth: AuthContext, ref: string, body: UpdateProfileBody): Promise<Profile> {
    const row = await this.row(ref);
    if (!row) throw notFound('Profile');
    const patch: Partial<ProfilesTable> = {};
    const changed: string[] = [];
    if (body.name !== undefined && body.name !== row.name) {
      const other = await this.repo.byName(body.name);
      if (other && other.id !== row.id) throw this.duplicate(body.name);
      patch.name = body.name;
      changed.push('name');
    }
    if (body.runtime !== undefined) {
      patch.runtime = body.runtime;
      changed.push('runtime');
    }
    if (body.image !== undefined) {
      patch.image = body.image;
      changed.push('image');
    }
    if (body.limits !== undefined) {
      patch.limits = JSON.stringify(body.limits);
      changed.push('limits');
    }
    if (body.routes !== undefined) {
      patch.routes = JSON.stringify(await this.checkRoutes(body.routes));
      changed.push('routes');
    }
    patch.updated_at = new Date().toISOString();
    try {
      await this.repo.update(row.id, patch);
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicate(body.name ?? row.name);
      throw err;
    }
    const profile = this.toProfile({ ...row, ...patch }, await this.credentialNames());
    await this.audit.append({
      actor: actorOf(auth),
      action: 'profile.updated',
      target: `profile:${row.id}`,
      details: { ...this.auditDetails(profile), changed, ...(patch.name ? { previousName: row.name } : {}) },
    });
    this.emit({ type: 'updated', profile });
    return profile;
  }

  async remove(auth: AuthContext, ref: string): Promise<void> {
    const row = await this.row(ref);
    if (!row) throw notFound('Profile');
    const profile = this.toProfile(row, await this.credentialNames());
    for (const hook of this.beforeRemove) await hook(profile);
    await this.repo.remove(row.id);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'profile.removed',
      target: `profile:${row.id}`,
      details: { name: row.name },
    });
    this.emit({ type: 'removed', profile });
  }

  /**
   * Every route's credential must exist and be bound to the route's host, and a passthrough route
   * cannot inject (it is not intercepted). Returns the routes with credentials stored by id.
   */
  private async checkRoutes(routes: Route[]): Promise<Route[]> {
    const out: Route[] = [];
    const seen = new Map<string, ProfileCredential | null>();
    for (const [i, route] of routes.entries()) {
      if (route.credential === undefined) {
        out.push(route);
        continue;
      }
      const path = `routes[${i}].credential`;
      if (route.passthrough)
        throw fieldError(
          path,
          `a passthrough route is relayed without TLS interception, so no credential can be injected; drop "credential" or "passthrough"`,
        );
      let cred = seen.get(route.credential);
      if (cred === undefined) {
        cred = await this.credentials.resolve(route.credential);
        seen.set(route.credential, cred);
      }
      if (!cred) throw fieldError(path, `no credential named "${route.credential}" exists`);
      if (!cred.hosts.some((h) => hostCovers(h, route.host)))
        throw fieldError(
          path,
          `credential "${cred.name}" may be sent only to ${cred.hosts.map((h) => `"${h}"`).join(', ')}, which does not cover the route host "${route.host}"`,
        );
      out.push({ ...route, credential: cred.id });
    }
    return out;
  }

  private duplicate(name: string) {
    return conflict(`A profile named "${name}" already exists; pick another name.`, { field: 'name' });
  }

  /** Ids hold an upper-case letter and names never do, so a ref matches one record at most. */
  private async row(ref: string): Promise<ProfilesTable | undefined> {
    return (await this.repo.byId(ref)) ?? (await this.repo.byName(ref));
  }

  private async credentialNames(): Promise<Map<string, string>> {
    return new Map((await this.credentials.infos()).map((c) => [c.id, c.name]));
  }

  private storedRoutes(r: ProfilesTable): Route[] {
    return StoredRoutes.parse(JSON.parse(r.routes));
  }

  private toProfile(r: ProfilesTable, credentialNames: Map<string, string>): Profile {
    const runtime = RuntimeKind.safeParse(r.runtime);
    if (!runtime.success) throw new Error(`profile ${r.id} has unknown runtime ${r.runtime}`);
    const limits = Limits.parse(JSON.parse(r.limits));
    const d = this.defaults.limits;
    return {
      id: r.id,
      name: r.name,
      runtime: runtime.data,
      image: r.image,
      limits,
      effectiveLimits: {
        pids: limits.pids ?? d.pids,
        memoryMb: limits.memoryMb ?? d.memoryMb,
        cpus: limits.cpus ?? d.cpus,
      },
      // A credential removed behind the service's back (it refuses to) keeps its id: visible, not hidden.
      routes: this.storedRoutes(r).map((route) =>
        route.credential === undefined
          ? route
          : { ...route, credential: credentialNames.get(route.credential) ?? route.credential },
      ),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  private auditDetails(p: Profile): Record<string, unknown> {
    return {
      name: p.name,
      runtime: p.runtime,
      image: p.image,
      limits: p.limits,
      routes: p.routes.map((r) => ({
        host: r.host,
        ...(r.credential ? { credential: r.credential } : {}),
        ...(r.passthrough ? { passthrough: true } : {}),
      })),
    };
  }

  private emit(change: ProfileChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.warn(`a profile listener failed on ${change.type} of "${change.profile.name}"`, err);
      }
    }
  }
}
