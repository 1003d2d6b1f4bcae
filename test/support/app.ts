import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { ServerConfig, type ServerConfigInput } from '@airlock/contract/config';
import { CSRF_HEADER, SESSION_COOKIE, type Me, type Role } from '@airlock/contract/auth';
import { buildApp, type App, type AppDeps } from '../../apps/server/src/app';
import { openStore, type Store } from '../../apps/server/src/db/db';
import { loadMasterKey } from '../../apps/server/src/config/home';

export const ADMIN = { username: 'admin', password: 'admin-password-123' };
export const PASSWORD = 'correct-horse-battery';

/** A signed-in caller: a cookie session (with its CSRF token) or an API token. */
export interface Caller {
  username: string;
  password: string;
  userId: string;
  cookie?: string;
  csrf?: string;
  bearer?: string;
}

export interface RequestOpts {
  as?: Caller | null;
  /** Send the caller's CSRF token (default true for cookie sessions). */
  csrf?: boolean;
  body?: unknown;
  /** Raw payload (sent as application/json unless headers say otherwise). */
  raw?: string;
  headers?: Record<string, string>;
  /** The client address the server sees (request.ip); default 127.0.0.1. */
  remoteAddress?: string;
}

export interface TestApp {
  app: App;
  home: string;
  store: Store;
  config: ServerConfig;
  request(method: string, url: string, opts?: RequestOpts): Promise<LightMyRequestResponse>;
  setup(username?: string, password?: string): Promise<Caller>;
  login(username: string, password: string): Promise<Caller>;
  unlock(caller: Caller, password?: string): Promise<void>;
  createUser(admin: Caller, username: string, role: Role, password?: string): Promise<string>;
  createToken(caller: Caller, name?: string): Promise<{ id: string; secret: string }>;
  counts(): Promise<{
    users: number;
    tokens: number;
    audit: number;
    sessions: number;
    credentials: number;
    profiles: number;
  }>;
  close(): Promise<void>;
}

export function sessionCookie(res: LightMyRequestResponse): string | undefined {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const c of list) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(c);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

export async function startTestApp(
  overrides: ServerConfigInput = {},
  extra: Pick<AppDeps, 'fleet' | 'ingestSpacing' | 'gatewayCommand' | 'runtimes'> = {},
): Promise<TestApp> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'airlock-test-'));
  const config = ServerConfig.parse(overrides);
  const store = await openStore(home);
  const app = await buildApp({
    config,
    home,
    store,
    masterKey: loadMasterKey(home, {}),
    logger: false,
    // Tests post push reports back to back; the spacing itself is tested with the real default
    // (test/integration/ingest-gate.test.ts). One report in flight per host holds everywhere.
    ingestSpacing: 0,
    // No gateway process unless a test asks for one (test/support/sealed.ts).
    gatewayCommand: null,
    ...extra,
  });
  await app.fastify.ready();

  const request = (method: string, url: string, opts: RequestOpts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const as = opts.as;
    if (as?.bearer) headers.authorization = `Bearer ${as.bearer}`;
    if (as?.cookie) {
      headers.cookie = `${SESSION_COOKIE}=${as.cookie}`;
      if (opts.csrf !== false && as.csrf && headers[CSRF_HEADER] === undefined)
        headers[CSRF_HEADER] = as.csrf;
    }
    let payload: string | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    return app.fastify.inject({
      method: method as 'GET',
      url,
      headers,
      ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
      ...(payload !== undefined ? { payload } : {}),
    });
  };

  const t: TestApp = {
    app,
    home,
    store,
    config,
    request,
    async setup(username = ADMIN.username, password = ADMIN.password) {
      const token = await app.services.setup.prepare();
      assert.ok(token, 'setup should still be open');
      const res = await request('POST', '/api/setup', { body: { token, username, password } });
      assert.equal(res.statusCode, 201, res.body);
      const me = res.json<Me>();
      return { username, password, userId: me.user.id, cookie: sessionCookie(res), csrf: me.csrfToken ?? '' };
    },
    async login(username, password) {
      const res = await request('POST', '/api/auth/login', { body: { username, password } });
      assert.equal(res.statusCode, 200, res.body);
      const me = res.json<Me>();
      return { username, password, userId: me.user.id, cookie: sessionCookie(res), csrf: me.csrfToken ?? '' };
    },
    async unlock(caller, password = caller.password) {
      const res = await request('POST', '/api/auth/unlock', { as: caller, body: { password } });
      assert.equal(res.statusCode, 200, res.body);
    },
    async createUser(admin, username, role, password = PASSWORD) {
      const res = await request('POST', '/api/users', { as: admin, body: { username, password, role } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json<{ id: string }>().id;
    },
    async createToken(caller, name = 'test token') {
      const res = await request('POST', '/api/tokens', { as: caller, body: { name } });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json<{ token: { id: string }; secret: string }>();
      return { id: body.token.id, secret: body.secret };
    },
    async counts() {
      const count = async (
        table: 'users' | 'api_tokens' | 'audit_events' | 'sessions' | 'credentials' | 'profiles',
      ) =>
        Number(
          (
            await store.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        users: await count('users'),
        tokens: await count('api_tokens'),
        audit: await count('audit_events'),
        sessions: await count('sessions'),
        credentials: await count('credentials'),
        profiles: await count('profiles'),
      };
    },
    async close() {
      await app.fastify.close();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
  return t;
}

/** Asserts the standard error body and returns it. */
export function assertError(
  res: LightMyRequestResponse,
  status: number,
  code?: string,
): { code: string; message: string; correlationId: string; details?: unknown } {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`);
  const body = res.json<{ code: string; message: string; correlationId: string; details?: unknown }>();
  assert.equal(typeof body.code, 'string');
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
  assert.equal(typeof body.correlationId, 'string');
  assert.equal(body.correlationId, res.headers['x-correlation-id']);
  if (code) assert.equal(body.code, code, body.message);
  return body;
}
