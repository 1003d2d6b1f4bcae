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

export const Username = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(64, 'must be at most 64 characters')
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'use lowercase letters, digits, dot, dash or underscore; start with a letter or digit',
  );

export const NewPassword = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(1024, 'must be at most 1024 characters');

export const SetupBody = z.object({
  token: z.string().min(1, 'is required').max(256),
  username: Username,
  password: NewPassword,
});
export type SetupBody = z.infer<typeof SetupBody>;

export const SetupStatus = z.object({ needsSetup: z.boolean() });
export type SetupStatus = z.infer<typeof SetupStatus>;

export const LoginBody = z.object({
  username: z.string().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(1024),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const UnlockBody = z.object({ password: z.string().min(1, 'is required').max(1024) });
export type UnlockBody = z.infer<typeof UnlockBody>;

export const Me = z.object({
  user: z.object({ id: z.string(), username: z.string(), role: Role }),
  via: z.enum(['session', 'token']),
  /** Only for cookie sessions; send it back as `x-csrf-token` on state-changing requests. */
  csrfToken: z.string().nullable(),
  /** ISO time until which unlock-gated actions are allowed, or null. */
  unlockedUntil: z.string().nullable(),
});
export type Me = z.infer<typeof Me>;

export const UnlockResult = z.object({ unlockedUntil: z.string() });
export type UnlockResult = z.infer<typeof UnlockResult>;

export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_COOKIE = 'airlock_session';
