import { profilesApi } from '@airlock/contract/profiles';
import type { RouteTable } from '../../lib/route';
import type { ProfilesService } from './profiles.service';

export function profilesRoutes(routes: RouteTable, profiles: ProfilesService): void {
  routes.add(profilesApi.list, async () => ({ items: await profiles.list() }));
  routes.add(profilesApi.get, ({ params }) => profiles.get(params.ref));
  routes.add(profilesApi.create, ({ auth, body }) => profiles.create(auth, body));
  routes.add(profilesApi.update, ({ auth, params, body }) => profiles.update(auth, params.ref, body));
  routes.add(profilesApi.remove, async ({ auth, params }) => {
    await profiles.remove(auth, params.ref);
    return { ok: true as const };
  });
}
