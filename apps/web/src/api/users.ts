import { queryOptions } from '@tanstack/react-query';
import { User, UserList, type CreateUserBody, type UpdateUserBody } from '@airlock/contract/users';
import { api } from './client';

export const usersQuery = queryOptions({
  queryKey: ['users'] as const,
  queryFn: ({ signal }) => api('/api/users', UserList, { signal }),
});

export function createUser(body: CreateUserBody): Promise<User> {
  return api('/api/users', User, { method: 'POST', body });
}

export function updateUser(id: string, body: UpdateUserBody): Promise<User> {
  return api(`/api/users/${encodeURIComponent(id)}`, User, { method: 'PATCH', body });
}
