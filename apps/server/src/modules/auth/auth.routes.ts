import type { FastifyReply } from 'fastify';
import { SESSION_COOKIE, authApi } from '@airlock/contract/auth';
import type { RouteTable } from '../../lib/route';
import type { AuthService, IssuedSession } from './auth.service';

/** Secure when served over TLS (directly or behind a trusted proxy that says so). */
export function setSessionCookie(reply: FastifyReply, issued: IssuedSession, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, issued.cookie, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: issued.maxAgeSeconds,
  });
}

export function authRoutes(routes: RouteTable, auth: AuthService): void {
  routes.add(authApi.login, async ({ body, client, reply }) => {
    const issued = await auth.login(body.username, body.password, client);
    setSessionCookie(reply, issued, client.protocol === 'https');
    return issued.me;
  });
  routes.add(authApi.logout, async ({ auth: ctx, reply }) => {
    await auth.logout(ctx);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true as const };
  });
  routes.add(authApi.unlock, async ({ auth: ctx, body, client }) => ({
    unlockedUntil: await auth.unlock(ctx, body.password, client),
  }));
  routes.add(authApi.changePassword, async ({ auth: ctx, body, client }) => {
    await auth.changePassword(ctx, body.currentPassword, body.newPassword, client);
    return { ok: true as const };
  });
  routes.add(authApi.me, ({ auth: ctx }) => Promise.resolve(auth.me(ctx)));
}
