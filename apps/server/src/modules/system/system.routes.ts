import { Health, Ready } from '@airlock/contract/system';
import type { RouteTable } from '../../lib/route';
import type { Store } from '../../db/db';
import { buildOpenApi } from './openapi';

export function systemRoutes(routes: RouteTable, store: Store, version: string): void {
  const started = Date.now();
  routes.add({
    method: 'GET',
    url: '/api/health',
    guard: 'public',
    summary: 'Liveness: the process answers.',
    tags: ['system'],
    response: Health,
    handler: () =>
      Promise.resolve({
        status: 'ok' as const,
        version,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
      }),
  });
  routes.add({
    method: 'GET',
    url: '/api/ready',
    guard: 'public',
    summary: 'Readiness: the store answers. 503 when not ready.',
    tags: ['system'],
    response: Ready,
    handler: async ({ reply }) => {
      try {
        await store.ping();
        return { status: 'ready' as const, checks: { store: 'ok' } };
      } catch (err) {
        reply.code(503);
        return {
          status: 'not_ready' as const,
          checks: { store: err instanceof Error ? err.message : 'unreachable' },
        };
      }
    },
  });
  let doc: Record<string, unknown> | undefined;
  routes.add({
    method: 'GET',
    url: '/api/openapi.json',
    guard: 'public',
    summary: 'This API as an OpenAPI 3.1 document; each operation names its guard in x-airlock-guard.',
    tags: ['system'],
    handler: () => Promise.resolve((doc ??= buildOpenApi(routes.all(), version))),
  });
}
