import { tokensApi } from '@airlock/contract/tokens';
import type { RouteTable } from '../../lib/route';
import type { TokensService } from './tokens.service';

export function tokensRoutes(routes: RouteTable, tokens: TokensService): void {
  routes.add(tokensApi.list, async ({ auth }) => ({ items: await tokens.list(auth) }));
  routes.add(tokensApi.create, ({ auth, body }) => tokens.create(auth, body));
  routes.add(tokensApi.revoke, async ({ auth, params }) => {
    await tokens.revoke(auth, params.id);
    return { ok: true as const };
  });
}
