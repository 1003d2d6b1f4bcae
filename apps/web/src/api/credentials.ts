import { queryOptions } from '@tanstack/react-query';
import { credentialsApi, type CreateCredentialBody, type Credential } from '@airlock/contract/credentials';
import type { Ok } from '@airlock/contract/system';
import { apiClient } from './client';

export const credentialsQuery = queryOptions({
  queryKey: ['credentials'] as const,
  queryFn: ({ signal }) => apiClient.call(credentialsApi.list, {}, { signal }),
});

export function createCredential(body: CreateCredentialBody): Promise<Credential> {
  return apiClient.call(credentialsApi.create, { body });
}

export function removeCredential(ref: string): Promise<Ok> {
  return apiClient.call(credentialsApi.remove, { params: { ref } });
}
