import type { GatewayHealth } from '@airlock/contract/system';
import type { Store } from '../../db/db';
import type { RouteTable } from '../../lib/route';
import { systemRoutes } from './system.routes';

/** Health, version and the OpenAPI document: routes only, no service. */
export function systemModule(deps: { store: Store; version: string; gatewayHealth: () => GatewayHealth }): {
  register(routes: RouteTable): void;
} {
  return { register: (routes) => systemRoutes(routes, deps.store, deps.version, deps.gatewayHealth) };
}
