import { credentialsApi } from '@airlock/contract/credentials';
import type { RouteTable } from '../../lib/route';
import type { CredentialsService } from './credentials.service';

export function credentialsRoutes(routes: RouteTable, credentials: CredentialsService): void {
  routes.add(credentialsApi.list, async () => ({ items: await credentials.list() }));
  routes.add(credentialsApi.create, ({ auth, body }) => credentials.create(auth, body));
  routes.add(credentialsApi.remove, async ({ auth, params }) => {
    await credentials.remove(auth, params.ref);
    return { ok: true as const };
  });
}
