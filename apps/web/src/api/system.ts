import { queryOptions } from '@tanstack/react-query';
import { systemApi } from '@airlock/contract/system';
import { apiClient } from './client';

export const healthQuery = queryOptions({
  queryKey: ['health'] as const,
  queryFn: ({ signal }) => apiClient.call(systemApi.health, {}, { signal }),
  staleTime: 5 * 60_000,
});
