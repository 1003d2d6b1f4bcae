import { z } from 'zod';
import { endpoint } from './endpoint';
import { NewPassword, Role, Username } from './auth';

export const User = z.object({
  id: z.string(),
  username: z.string(),
  role: Role,
  disabled: z.boolean(),
  /** The user must choose a new password at their next request (set by an admin). */
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});
export type User = z.infer<typeof User>;

export const UserList = z.object({ items: z.array(User) });
export type UserList = z.infer<typeof UserList>;

export const CreateUserBody = z.object({
  username: Username,
  password: NewPassword,
  role: Role,
  /** The user must replace this password at first sign-in (default false). */
  mustChangePassword: z.boolean().optional(),
});
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    role: Role.optional(),
    disabled: z.boolean().optional(),
    password: NewPassword.optional(),
    mustChangePassword: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'give at least one of role, disabled, password, mustChangePassword',
  });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const IdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id'),
});
export type IdParams = z.infer<typeof IdParams>;

export const usersApi = {
  list: endpoint({
    path: '/api/users',
    guard: 'admin',
    summary: 'List users.',
    tags: ['users'],
    response: UserList,
  }),
  create: endpoint({
    method: 'POST',
    path: '/api/users',
    guard: 'admin+unlock',
    summary: 'Create a user.',
    tags: ['users'],
    body: CreateUserBody,
    response: User,
    status: 201,
  }),
  update: endpoint({
    method: 'PATCH',
    path: '/api/users/:id',
    guard: 'admin+unlock',
    summary: 'Change a user: role, disabled, password, whether they must change it.',
    tags: ['users'],
    params: IdParams,
    body: UpdateUserBody,
    response: User,
  }),
};
