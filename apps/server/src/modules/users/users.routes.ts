import { CreateUserBody, IdParams, UpdateUserBody, User, UserList } from '@airlock/contract/users';
import type { RouteTable } from '../../lib/route';
import { actorOf } from '../audit/audit.service';
import type { UsersService } from './users.service';

export function usersRoutes(routes: RouteTable, users: UsersService): void {
  routes.add({
    method: 'GET',
    url: '/api/users',
    guard: 'admin',
    summary: 'List users.',
    tags: ['users'],
    response: UserList,
    handler: async () => ({ items: await users.list() }),
  });
  routes.add({
    method: 'POST',
    url: '/api/users',
    guard: 'admin+unlock',
    summary: 'Create a user.',
    tags: ['users'],
    body: CreateUserBody,
    response: User,
    status: 201,
    handler: ({ body, auth }) => users.create(body, actorOf(auth)),
  });
  routes.add({
    method: 'PATCH',
    url: '/api/users/:id',
    guard: 'admin+unlock',
    summary: 'Change a user: role, disabled, password.',
    tags: ['users'],
    params: IdParams,
    body: UpdateUserBody,
    response: User,
    handler: ({ params, body, auth }) => users.update(params.id, body, actorOf(auth)),
  });
}
