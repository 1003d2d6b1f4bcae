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
 * True when `role` is at least `least`. Fails closed: unless both are known roles (not a corrupt
 * store row, a future role this build does not know, or `__proto__` reaching into roleRank), the
 * answer is no. Write every role check through this, never as a raw rank comparison: with an
 * unknown value `roleRank[x]` is undefined, and a check written as "refuse if rank < least" would
 * then let the request through.
 */
export function roleAtLeast(role: unknown, least: unknown): boolean {
  const r = Role.safeParse(role);
  const l = Role.safeParse(least);
  if (!r.success || !l.success) return false;
  const have = roleRank[r.data];
  const need = roleRank[l.data];
  return Number.isInteger(have) && Number.isInteger(need) && have >= need;
}
