import { systemApi, type GatewayHealth } from '@airlock/contract/system';
import type { RouteTable } from '../../lib/route';
import type { Store } from '../../db/db';
import { buildOpenApi } from './openapi';

export function systemRoutes(
  routes: RouteTable,
  store: Store,
  version: string,
  gatewayHealth: () => GatewayHealth,
): void {
  const started = Date.now();
  routes.add(systemApi.health, () =>
    Promise.resolve({
      status: 'ok' as const,
      version,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      gateway: gatewayHealth(),
    }),
  );
  routes.add(systemApi.ready, async ({ reply }) => {
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
  });
  let doc: Record<string, unknown> | undefined;
  routes.add(systemApi.openapi, () => Promise.resolve((doc ??= buildOpenApi(routes.all(), version))));
}
