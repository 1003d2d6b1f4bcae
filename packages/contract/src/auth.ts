import { z } from 'zod';
import { endpoint } from './endpoint';
import { Role } from './roles';
import { Ok } from './system';

export { Guard, Role, parseGuard, roleAtLeast, roleRank } from './roles';

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

export const ChangePasswordBody = z
  .object({
    currentPassword: z.string().min(1, 'is required').max(1024),
    newPassword: NewPassword,
  })
  .refine((b) => b.newPassword !== b.currentPassword, {
    message: 'must differ from the current password',
    path: ['newPassword'],
  });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const UnlockBody = z.object({ password: z.string().min(1, 'is required').max(1024) });
export type UnlockBody = z.infer<typeof UnlockBody>;

export const Me = z.object({
  user: z.object({
    id: z.string(),
    username: z.string(),
    role: Role,
    /** Set by an admin: the account can do nothing but change its password until it has. */
    mustChangePassword: z.boolean(),
  }),
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

export const setupApi = {
  status: endpoint({
    path: '/api/setup',
    guard: 'public',
    summary: 'Whether first-run setup is still open.',
    tags: ['setup'],
    response: SetupStatus,
  }),
  complete: endpoint({
    method: 'POST',
    path: '/api/setup',
    guard: 'public',
    summary: 'Create the first admin with the one-time setup token; closes setup and signs in.',
    tags: ['setup'],
    body: SetupBody,
    response: Me,
    status: 201,
  }),
};

export const authApi = {
  login: endpoint({
    method: 'POST',
    path: '/api/auth/login',
    guard: 'public',
    summary: 'Sign in with username and password; sets the session cookie.',
    tags: ['auth'],
    body: LoginBody,
    response: Me,
  }),
  logout: endpoint({
    method: 'POST',
    path: '/api/auth/logout',
    guard: 'viewer',
    summary: 'End the current session.',
    tags: ['auth'],
    response: Ok,
    beforePasswordChange: true,
  }),
  changePassword: endpoint({
    method: 'POST',
    path: '/api/auth/password',
    guard: 'viewer',
    summary:
      'Change your own password (with the current one); ends your other sessions and clears a required change.',
    tags: ['auth'],
    body: ChangePasswordBody,
    response: Ok,
    beforePasswordChange: true,
  }),
  unlock: endpoint({
    method: 'POST',
    path: '/api/auth/unlock',
    guard: 'viewer',
    summary: 'Re-enter the password to allow dangerous actions for a short window.',
    tags: ['auth'],
    body: UnlockBody,
    response: UnlockResult,
  }),
  me: endpoint({
    path: '/api/auth/me',
    guard: 'viewer',
    summary: 'Who am I: user, role, CSRF token (cookie sessions) and unlock window.',
    tags: ['auth'],
    response: Me,
    beforePasswordChange: true,
  }),
};
