import { sessionsApi } from '@airlock/contract/sessions';
import type { RouteTable } from '../../lib/route';
import type { SessionsService } from './sessions.service';

export function sessionsRoutes(routes: RouteTable, sessions: SessionsService): void {
  routes.add(sessionsApi.list, async () => ({ items: await sessions.list() }));
  routes.add(sessionsApi.get, ({ params }) => sessions.get(params.id));
  routes.add(sessionsApi.create, ({ auth, body }) => sessions.create(auth, body));
  routes.add(sessionsApi.exec, ({ auth, params, body }) => sessions.exec(auth, params.id, body));
  routes.add(sessionsApi.remove, async ({ auth, params }) => {
    await sessions.remove(auth, params.id);
    return { ok: true as const };
  });
  routes.add(sessionsApi.orphans, async () => ({ items: await sessions.orphans() }));
  routes.add(sessionsApi.cleanup, async ({ auth }) => ({ removed: await sessions.cleanup(auth) }));
}
