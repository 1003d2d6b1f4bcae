import { CreateTokenBody, CreatedToken, TokenList } from '@airlock/contract/tokens';
import { IdParams } from '@airlock/contract/users';
import { Ok } from '@airlock/contract/system';
import type { RouteTable } from '../../lib/route';
import type { TokensService } from './tokens.service';

export function tokensRoutes(routes: RouteTable, tokens: TokensService): void {
  routes.add({
    method: 'GET',
    url: '/api/tokens',
    guard: 'viewer',
    summary: "The caller's API tokens (never their secrets).",
    tags: ['tokens'],
    response: TokenList,
    handler: async ({ auth }) => ({ items: await tokens.list(auth!) }),
  });
  routes.add({
    method: 'POST',
    url: '/api/tokens',
    guard: 'viewer+unlock',
    summary: "Create an API token with the caller's role; the secret is in this response only.",
    tags: ['tokens'],
    body: CreateTokenBody,
    response: CreatedToken,
    status: 201,
    handler: ({ auth, body }) => tokens.create(auth!, body),
  });
  routes.add({
    method: 'DELETE',
    url: '/api/tokens/:id',
    guard: 'viewer',
    summary: 'Revoke an API token (your own; admins: any).',
    tags: ['tokens'],
    params: IdParams,
    response: Ok,
    handler: async ({ auth, params }) => {
      await tokens.revoke(auth!, params.id);
      return { ok: true as const };
    },
  });
}
