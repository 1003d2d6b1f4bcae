import { queryOptions } from '@tanstack/react-query';
import { Health } from '@airlock/contract/system';
import { api } from './client';

export const healthQuery = queryOptions({
  queryKey: ['health'] as const,
  queryFn: ({ signal }) => api('/api/health', Health, { signal }),
  staleTime: 5 * 60_000,
});
