import type { CreateUserBody, UpdateUserBody, User } from '@airlock/contract/users';
import type { UsersTable } from '../../db/schema';
import { conflict, notFound, UserError } from '../../lib/errors';
import { hashPassword, newId } from '../../lib/crypto';
import { storedRole } from '../../lib/stored-role';
import type { AuditService, Actor } from '../audit/audit.module';
import type { UsersRepo } from './users.repo';
import type { UserSessions } from './sessions.port';

export function toUser(r: UsersTable): User {
  return {
    id: r.id,
    username: r.username,
    role: storedRole(r.role, `user ${r.id}`),
    disabled: r.disabled === 1,
    mustChangePassword: r.must_change_password !== 0,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  };
}

export class UsersService {
  constructor(
    private readonly repo: UsersRepo,
    private readonly sessions: UserSessions,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<User[]> {
    return (await this.repo.list()).map(toUser);
  }

  async create(body: CreateUserBody, actor: Actor): Promise<User> {
    if (await this.repo.byUsername(body.username)) {
      throw conflict(`A user named "${body.username}" already exists.`, [
        { path: 'body.username', message: 'is taken' },
      ]);
    }
    const row: UsersTable = {
      id: newId(),
      username: body.username,
      password_hash: await hashPassword(body.password),
      role: body.role,
      disabled: 0,
      created_at: new Date().toISOString(),
      last_login_at: null,
      must_change_password: body.mustChangePassword ? 1 : 0,
    };
    await this.repo.insert(row);
    await this.audit.append({
      actor,
      action: 'user.create',
      target: `user:${row.username}`,
      details: { role: row.role, ...(body.mustChangePassword ? { mustChangePassword: true } : {}) },
    });
    return toUser(row);
  }

  async update(id: string, body: UpdateUserBody, actor: Actor): Promise<User> {
    const row = await this.repo.byId(id);
    if (!row) throw notFound('User');
    const losesAdmin =
      row.role === 'admin' &&
      row.disabled === 0 &&
      ((body.role && body.role !== 'admin') || body.disabled === true);
    if (losesAdmin && (await this.repo.countActiveAdmins()) <= 1) {
      throw new UserError(
        409,
        'conflict',
        'This is the last active admin; make another admin first so nobody is locked out.',
      );
    }
    const patch: Partial<UsersTable> = {};
    const changes: Record<string, unknown> = {};
    if (body.role && body.role !== row.role) {
      patch.role = body.role;
      changes.role = { from: row.role, to: body.role };
    }
    if (body.disabled !== undefined && (body.disabled ? 1 : 0) !== row.disabled) {
      patch.disabled = body.disabled ? 1 : 0;
      changes.disabled = body.disabled;
    }
    if (body.password) {
      patch.password_hash = await hashPassword(body.password);
      changes.password = 'changed';
    }
    if (
      body.mustChangePassword !== undefined &&
      (body.mustChangePassword ? 1 : 0) !== row.must_change_password
    ) {
      patch.must_change_password = body.mustChangePassword ? 1 : 0;
      changes.mustChangePassword = body.mustChangePassword;
    }
    if (Object.keys(patch).length === 0) return toUser(row);
    await this.repo.update(id, patch);
    // A disabled user, a demoted one or one whose password changed must sign in again.
    if (patch.disabled === 1 || patch.role || patch.password_hash) await this.sessions.deleteForUser(id);
    await this.audit.append({
      actor,
      action: 'user.update',
      target: `user:${row.username}`,
      details: changes,
    });
    return toUser({ ...row, ...patch });
  }
}
