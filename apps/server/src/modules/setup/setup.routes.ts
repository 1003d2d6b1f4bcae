import { setupApi } from '@airlock/contract/auth';
import type { RouteTable } from '../../lib/route';
import { setSessionCookie, type AuthService } from '../auth/auth.module';
import type { SetupService } from './setup.service';

export function setupRoutes(routes: RouteTable, setup: SetupService, auth: AuthService): void {
  routes.add(setupApi.status, async () => ({ needsSetup: !(await setup.isDone()) }));
  routes.add(setupApi.complete, async ({ body, client, reply }) => {
    const user = await setup.complete(body);
    const issued = await auth.issueSession(user, client);
    setSessionCookie(reply, issued, client.protocol === 'https');
    return issued.me;
  });
}
