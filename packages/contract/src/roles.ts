import { z } from 'zod';

export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

/** Rank for "at least this role" checks. */
export const roleRank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** A route's guard: who may call it, and whether it needs a fresh unlock. */
export const Guard = z.enum([
  'public',
  'viewer',
  'operator',
  'admin',
  'viewer+unlock',
  'operator+unlock',
  'admin+unlock',
]);
export type Guard = z.infer<typeof Guard>;

export interface ParsedGuard {
  /** The least role allowed; null for public endpoints. */
  role: Role | null;
  unlock: boolean;
}

/** Splits a guard into its role and unlock parts. Throws on anything that is not a Guard. */
export function parseGuard(guard: Guard): ParsedGuard {
  const g = Guard.parse(guard);
  const [role, extra] = g.split('+') as [Role | 'public', string | undefined];
  return { role: role === 'public' ? null : role, unlock: extra === 'unlock' };
}

/**
 * True when `role` is at least `least`. Fails closed: a value that is not a known role (a corrupt
 * store row, a future role this build does not know) is never "at least" anything.
 */
export function roleAtLeast(role: unknown, least: Role): boolean {
  const r = Role.safeParse(role);
  return r.success && roleRank[r.data] >= roleRank[least];
}
