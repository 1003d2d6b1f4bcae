import { hostsApi } from '@airlock/contract/hosts';
import type { ClientInfo } from '../../lib/client-info';
import type { RouteTable } from '../../lib/route';
import type { HostsService } from './hosts.service';

/** The deck's URL as agents should use it: the configured public URL, else what the browser used. */
const baseUrl = (client: ClientInfo, publicUrl: string | undefined) =>
  publicUrl ?? `${client.protocol}://${client.host}`;

export function hostsRoutes(routes: RouteTable, hosts: HostsService, publicUrl: string | undefined): void {
  routes.add(hostsApi.list, async () => ({ items: await hosts.list() }));
  routes.add(hostsApi.create, ({ auth, body, client }) =>
    hosts.create(auth, body, baseUrl(client, publicUrl)),
  );
  routes.add(hostsApi.get, ({ params }) => hosts.get(params.id));
  routes.add(hostsApi.update, ({ auth, params, body }) => hosts.update(auth, params.id, body));
  routes.add(hostsApi.remove, async ({ auth, params }) => {
    await hosts.remove(auth, params.id);
    return { ok: true as const };
  });
  routes.add(hostsApi.confirmHostKey, ({ auth, params, body }) =>
    hosts.confirmHostKey(auth, params.id, body),
  );
  routes.add(hostsApi.rotateToken, ({ auth, params, client }) =>
    hosts.rotateToken(auth, params.id, baseUrl(client, publicUrl)),
  );
  routes.add(hostsApi.reconnect, ({ auth, params }) => hosts.reconnect(auth, params.id));
}
