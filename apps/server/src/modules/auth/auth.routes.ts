import type { FastifyReply } from 'fastify';
import { LoginBody, Me, SESSION_COOKIE, UnlockBody, UnlockResult } from '@airlock/contract/auth';
import { Ok } from '@airlock/contract/system';
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
  routes.add({
    method: 'POST',
    url: '/api/auth/login',
    guard: 'public',
    summary: 'Sign in with username and password; sets the session cookie.',
    tags: ['auth'],
    body: LoginBody,
    response: Me,
    handler: async ({ body, req, reply }) => {
      const issued = await auth.login(body.username, body.password, req);
      setSessionCookie(reply, issued, req.protocol === 'https');
      return issued.me;
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/auth/logout',
    guard: 'viewer',
    summary: 'End the current session.',
    tags: ['auth'],
    response: Ok,
    handler: async ({ auth: ctx, reply }) => {
      await auth.logout(ctx!);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/auth/unlock',
    guard: 'viewer',
    summary: 'Re-enter the password to allow dangerous actions for a short window.',
    tags: ['auth'],
    body: UnlockBody,
    response: UnlockResult,
    handler: async ({ auth: ctx, body, req }) => ({
      unlockedUntil: await auth.unlock(ctx!, body.password, req),
    }),
  });
  routes.add({
    method: 'GET',
    url: '/api/auth/me',
    guard: 'viewer',
    summary: 'Who am I: user, role, CSRF token (cookie sessions) and unlock window.',
    tags: ['auth'],
    response: Me,
    handler: ({ auth: ctx }) => Promise.resolve(auth.me(ctx!)),
  });
}
