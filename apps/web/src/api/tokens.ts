import { queryOptions } from '@tanstack/react-query';
import { tokensApi, type CreateTokenBody, type CreatedToken } from '@airlock/contract/tokens';
import type { Ok } from '@airlock/contract/system';
import { apiClient } from './client';

export const tokensQuery = queryOptions({
  queryKey: ['tokens'] as const,
  queryFn: ({ signal }) => apiClient.call(tokensApi.list, {}, { signal }),
});

export function createToken(body: CreateTokenBody): Promise<CreatedToken> {
  return apiClient.call(tokensApi.create, { body });
}

export function revokeToken(id: string): Promise<Ok> {
  return apiClient.call(tokensApi.revoke, { params: { id } });
}
