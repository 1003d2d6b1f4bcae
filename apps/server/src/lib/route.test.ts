import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { roleAtLeast, type Guard, type Role } from '@airlock/contract/auth';
import { enforceGuard, type AuthContext } from './route';
import { UserError } from './errors';

const requestAs = (role: unknown): FastifyRequest => {
  const auth: AuthContext = {
    kind: 'token',
    user: { id: 'u1', username: 'u', role: role as Role, mustChangePassword: false },
    tokenId: 't1',
    unlockedUntil: null,
  };
  return { method: 'GET', headers: {}, auth } as unknown as FastifyRequest;
};
const allowed = (role: unknown, guard: Guard) => {
  try {
    enforceGuard(requestAs(role), { guard, beforePasswordChange: false });
    return true;
  } catch (err) {
    assert.ok(err instanceof UserError && err.status === 403, String(err));
    return false;
  }
};

// Values a corrupt row, a newer build's role or a crafted one could carry; several are keys every
// object has, so `roleRank[x]` is a function or an object rather than undefined.
const UNKNOWN: unknown[] = [
  'superadmin',
  'root',
  'ADMIN',
  'admin ',
  '',
  undefined,
  null,
  3,
  {},
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
];

describe('enforceGuard with a role it does not know', () => {
  it('denies every guarded endpoint, whatever the comparison would have said', () => {
    for (const role of UNKNOWN) {
      for (const guard of ['viewer', 'operator', 'admin'] as const) {
        assert.equal(allowed(role, guard), false, `${JSON.stringify(role)} passed ${guard}`);
      }
    }
  });

  it('still ranks the known roles (so the denial above is not a guard that refuses everyone)', () => {
    assert.equal(allowed('viewer', 'viewer'), true);
    assert.equal(allowed('viewer', 'operator'), false);
    assert.equal(allowed('operator', 'operator'), true);
    assert.equal(allowed('operator', 'admin'), false);
    assert.equal(allowed('admin', 'admin'), true);
    assert.equal(allowed('superadmin', 'public'), true);
  });

  it('roleAtLeast denies unless both sides are known roles', () => {
    for (const least of UNKNOWN) assert.equal(roleAtLeast('admin', least), false, JSON.stringify(least));
    assert.equal(roleAtLeast('admin', 'viewer'), true);
  });
});
