import { Me, SetupBody, SetupStatus } from '@airlock/contract/auth';
import type { RouteTable } from '../../lib/route';
import type { AuthService } from '../auth/auth.service';
import { setSessionCookie } from '../auth/auth.routes';
import type { SetupService } from './setup.service';

export function setupRoutes(routes: RouteTable, setup: SetupService, auth: AuthService): void {
  routes.add({
    method: 'GET',
    url: '/api/setup',
    guard: 'public',
    summary: 'Whether first-run setup is still open.',
    tags: ['setup'],
    response: SetupStatus,
    handler: async () => ({ needsSetup: !(await setup.isDone()) }),
  });
  routes.add({
    method: 'POST',
    url: '/api/setup',
    guard: 'public',
    summary: 'Create the first admin with the one-time setup token; closes setup and signs in.',
    tags: ['setup'],
    body: SetupBody,
    response: Me,
    status: 201,
    handler: async ({ body, req, reply }) => {
      const user = await setup.complete(body);
      const issued = await auth.issueSession(user, req);
      setSessionCookie(reply, issued, req.protocol === 'https');
      return issued.me;
    },
  });
}
