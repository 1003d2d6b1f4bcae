import { usersApi } from '@airlock/contract/users';
import type { RouteTable } from '../../lib/route';
import { actorOf } from '../audit/audit.module';
import type { UsersService } from './users.service';

export function usersRoutes(routes: RouteTable, users: UsersService): void {
  routes.add(usersApi.list, async () => ({ items: await users.list() }));
  routes.add(usersApi.create, ({ body, auth }) => users.create(body, actorOf(auth)));
  routes.add(usersApi.update, ({ params, body, auth }) => users.update(params.id, body, actorOf(auth)));
}
