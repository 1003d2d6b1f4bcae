import { queryOptions } from '@tanstack/react-query';
import { CreatedToken, TokenList, type CreateTokenBody } from '@airlock/contract/tokens';
import { Ok } from '@airlock/contract/system';
import { api } from './client';

export const tokensQuery = queryOptions({
  queryKey: ['tokens'] as const,
  queryFn: ({ signal }) => api('/api/tokens', TokenList, { signal }),
});

export function createToken(body: CreateTokenBody): Promise<CreatedToken> {
  return api('/api/tokens', CreatedToken, { method: 'POST', body });
}

export function revokeToken(id: string): Promise<Ok> {
  return api(`/api/tokens/${encodeURIComponent(id)}`, Ok, { method: 'DELETE' });
}
