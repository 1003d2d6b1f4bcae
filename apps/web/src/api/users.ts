import { queryOptions } from '@tanstack/react-query';
import { usersApi, type CreateUserBody, type UpdateUserBody, type User } from '@airlock/contract/users';
import { apiClient } from './client';

export const usersQuery = queryOptions({
  queryKey: ['users'] as const,
  queryFn: ({ signal }) => apiClient.call(usersApi.list, {}, { signal }),
});

export function createUser(body: CreateUserBody): Promise<User> {
  return apiClient.call(usersApi.create, { body });
}

export function updateUser(id: string, body: UpdateUserBody): Promise<User> {
  return apiClient.call(usersApi.update, { params: { id }, body });
}
