// The guard matrix (DESIGN.md, "Security model"): every route Fastify serves is declared in the
// route table with a guard, and every non-public route refuses callers without credentials, with
// too small a role, without CSRF (cookie sessions), from another origin, or without unlock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteEntry } from '../../apps/server/src/lib/route';
import { parseGuard, roleRank } from '@airlock/contract/auth';
import { allEndpoints } from '@airlock/contract/catalog';
import { pathParams } from '@airlock/contract/endpoint';
import { ADMIN, assertError, startTestApp, type Caller, type TestApp } from '../support/app';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Public routes that change state; anything else public must be read-only. */
// The push ingest has no session: it is authenticated by its per-host token (fleet-ingest tests attack it).
const PUBLIC_MUTATING = new Set(['POST /api/setup', 'POST /api/auth/login', 'POST /api/ingest/docker']);

/** Parses `printRoutes()` (a tree: each level indented 4 columns) into "METHOD /path" strings. */
function fastifyRoutes(tree: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + (m[2] ?? '');
    stack.push(full);
    const url = full.startsWith('/') ? full : `/${full}`;
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      out.push(`${method} ${url}`);
    }
  }
  return out;
}

function bodyFor(e: RouteEntry): unknown {
  switch (`${e.method} ${e.url}`) {
    case 'POST /api/users':
      return { username: 'mallory', password: 'mallory-password-1', role: 'admin' };
    case 'PATCH /api/users/:id':
      return { role: 'admin' };
    case 'POST /api/tokens':
      return { name: 'sneaky' };
    case 'POST /api/auth/unlock':
      return { password: ADMIN.password };
    // Valid bodies: a refusal below comes from the guard, never from validation.
    case 'POST /api/credentials':
      return {
        name: 'sneaky',
        value: 'sneaky-secret-value-1234',
        inject: { type: 'bearer' },
        hosts: ['api.example.com'],
      };
    case 'POST /api/profiles':
      return { name: 'sneaky', routes: [{ host: 'api.example.com' }] };
    case 'PATCH /api/profiles/:ref':
      return { routes: [] };
    default:
      return MUTATING.has(e.method) && e.method !== 'DELETE' ? {} : undefined;
  }
}

describe('route guards', () => {
  let t: TestApp;
  let adminLocked: Caller;
  let adminUnlocked: Caller;
  let viewer: Caller;
  let viewerBearer: Caller;
  let viewerId: string;
  let adminTokenId: string;
  let entries: readonly RouteEntry[];

  const urlFor = (e: RouteEntry) =>
    e.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
      if (e.url.startsWith('/api/users/')) return viewerId;
      if (e.url.startsWith('/api/tokens/')) return adminTokenId;
      return name ? 'xxxxxxxx' : 'xxxxxxxx';
    });

  /** Sends the request and checks the refusal changed nothing a user could see. */
  async function refused(
    e: RouteEntry,
    as: Caller | null,
    status: number,
    code: string,
    opts: { csrf?: boolean; headers?: Record<string, string> } = {},
  ) {
    const beforeCounts = await t.counts();
    const res = await t.request(e.method, urlFor(e), { as, body: bodyFor(e), ...opts });
    assertError(res, status, code);
    assert.deepEqual(await t.counts(), beforeCounts, `${e.method} ${e.url}: refusal changed state`);
    const v = await t.store.db
      .selectFrom('users')
      .select('role')
      .where('id', '=', viewerId)
      .executeTakeFirst();
    assert.equal(v?.role, 'viewer', `${e.method} ${e.url}: refusal promoted the viewer`);
    const tok = await t.store.db
      .selectFrom('api_tokens')
      .select('revoked_at')
      .where('id', '=', adminTokenId)
      .executeTakeFirst();
    assert.equal(tok?.revoked_at, null, `${e.method} ${e.url}: refusal revoked a token`);
  }

  before(async () => {
    t = await startTestApp();
    adminLocked = await t.setup();
    adminUnlocked = await t.login(ADMIN.username, ADMIN.password);
    await t.unlock(adminUnlocked);
    adminTokenId = (await t.createToken(adminUnlocked, 'admin token')).id;
    viewerId = await t.createUser(adminUnlocked, 'vera', 'viewer');
    viewer = await t.login('vera', 'correct-horse-battery');
    await t.unlock(viewer);
    const tok = await t.createToken(viewer, 'viewer token');
    viewerBearer = { ...viewer, cookie: undefined, csrf: undefined, bearer: tok.secret };
    // The bearer token is unlocked too, so a 403 below can only come from the role check.
    const u = await t.request('POST', '/api/auth/unlock', {
      as: viewerBearer,
      body: { password: viewer.password },
    });
    assert.equal(u.statusCode, 200, u.body);
    entries = t.app.routes.all();
  });
  after(() => t.close());

  it('every route Fastify serves is declared in the route table with a guard', () => {
    const known = fastifyRoutes(t.app.fastify.printRoutes({ commonPrefix: false }));
    assert.ok(known.length >= entries.length, `parsed only ${known.length} routes:\n${known.join('\n')}`);
    const declared = new Set(entries.map((e) => `${e.method} ${e.url}`));
    const undeclared = known.filter((r) => {
      const [method, url] = r.split(' ') as [string, string];
      // Fastify adds HEAD for every GET; it runs the GET handler and guard.
      return !declared.has(`${method === 'HEAD' ? 'GET' : method} ${url}`);
    });
    assert.deepEqual(
      undeclared,
      [],
      `routes outside the route table (no declared guard):\n${undeclared.join('\n')}`,
    );
    for (const e of entries) {
      assert.ok(
        t.app.fastify.hasRoute({ method: e.method, url: e.url }),
        `${e.method} ${e.url} is not registered`,
      );
      assert.match(e.guard, /^(public|viewer|operator|admin)(\+unlock)?$/, `${e.method} ${e.url}`);
    }
  });

  it('the server serves exactly the endpoint catalog, each with the catalog guard and schemas', () => {
    const catalog = allEndpoints();
    const served = entries.filter((e) => e.url.startsWith('/api/'));
    // Every API route is a catalog endpoint (no hand-written path or guard on the server side) ...
    const unnamed = served.filter((e) => e.name === null).map((e) => `${e.method} ${e.url}`);
    assert.deepEqual(unnamed, [], `API routes not declared in packages/contract:\n${unnamed.join('\n')}`);
    // ... and every catalog endpoint is served, once.
    for (const { name, endpoint } of catalog) {
      const hits = served.filter((e) => e.name === name);
      assert.equal(
        hits.length,
        1,
        `${name} (${endpoint.method} ${endpoint.path}) served ${hits.length} times`,
      );
      const e = hits[0]!;
      assert.equal(e.guard, endpoint.guard, name);
      assert.equal(e.url, endpoint.path, name);
      assert.equal(e.method, endpoint.method, name);
      assert.equal(e.websocket, endpoint.kind === 'websocket', name);
      // Path placeholders and the params schema agree, so a client can always fill the path.
      const keys = endpoint.params
        ? Object.keys((endpoint.params as unknown as { shape: Record<string, unknown> }).shape).sort()
        : [];
      assert.deepEqual(pathParams(endpoint.path).sort(), keys, `${name}: path params vs schema`);
    }
    assert.equal(served.length, catalog.length);
    // Only the push ingest validates its own body (parseReport, with field-level errors).
    assert.deepEqual(
      entries.filter((e) => e.bodyCheckedByHandler).map((e) => `${e.method} ${e.url}`),
      ['POST /api/ingest/docker'],
    );
  });

  it('the OpenAPI document lists every API route with its guard in x-airlock-guard', async () => {
    const res = await t.request('GET', '/api/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, Record<string, Record<string, unknown>>>;
    }>();
    assert.match(doc.openapi, /^3\./);
    const api = entries.filter((e) => e.url.startsWith('/api/'));
    assert.ok(api.length > 10);
    for (const e of api) {
      const op = doc.paths[e.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[e.method.toLowerCase()];
      assert.ok(op, `${e.method} ${e.url} missing from the OpenAPI document`);
      assert.equal(op['x-airlock-guard'], e.guard, `${e.method} ${e.url}`);
    }
    assert.equal(doc.paths['/api/users']?.post?.['x-airlock-guard'], 'admin+unlock');
    assert.ok(doc.paths['/api/users']?.post?.requestBody, 'request bodies come from the zod schemas');
  });

  it('only the known routes are public, and only setup and login change state without a session', () => {
    const publicMutating = entries
      .filter((e) => e.guard === 'public' && MUTATING.has(e.method))
      .map((e) => `${e.method} ${e.url}`);
    assert.deepEqual(new Set(publicMutating), PUBLIC_MUTATING);
    const publicApi = entries.filter((e) => e.guard === 'public' && e.url.startsWith('/api/'));
    assert.deepEqual(publicApi.map((e) => `${e.method} ${e.url}`).sort(), [
      'GET /api/health',
      'GET /api/openapi.json',
      'GET /api/ready',
      'GET /api/setup',
      'POST /api/auth/login',
      'POST /api/ingest/docker',
      'POST /api/setup',
    ]);
    // Skipping the body's depth and prototype-key scan is reviewed route by route (fleet-ingest attacks it).
    assert.deepEqual(
      entries.filter((e) => e.plainJsonBody).map((e) => `${e.method} ${e.url}`),
      ['POST /api/ingest/docker'],
    );
    // Admin-only areas stay admin-only, dangerous actions need unlock.
    const guardOf = (m: string, u: string) => entries.find((e) => e.method === m && e.url === u)?.guard;
    assert.equal(guardOf('POST', '/api/users'), 'admin+unlock');
    assert.equal(guardOf('PATCH', '/api/users/:id'), 'admin+unlock');
    assert.equal(guardOf('GET', '/api/users'), 'admin');
    assert.equal(guardOf('POST', '/api/tokens'), 'viewer+unlock');
    // Credentials are admin-only even to list; profiles are readable by every role.
    assert.equal(guardOf('GET', '/api/credentials'), 'admin');
    assert.equal(guardOf('POST', '/api/credentials'), 'admin+unlock');
    assert.equal(guardOf('DELETE', '/api/credentials/:ref'), 'admin+unlock');
    assert.equal(guardOf('GET', '/api/profiles'), 'viewer');
    assert.equal(guardOf('GET', '/api/profiles/:ref'), 'viewer');
    assert.equal(guardOf('POST', '/api/profiles'), 'admin+unlock');
    assert.equal(guardOf('PATCH', '/api/profiles/:ref'), 'admin+unlock');
    assert.equal(guardOf('DELETE', '/api/profiles/:ref'), 'admin+unlock');
  });

  it('every non-public route refuses a caller without credentials (401)', async () => {
    const guarded = entries.filter((e) => e.guard !== 'public' && !e.websocket);
    assert.ok(guarded.length >= 8);
    for (const e of guarded) await refused(e, null, 401, 'unauthenticated');
  });

  it('a forged cookie or bearer token counts as no credentials (401)', async () => {
    const forgedCookie: Caller = { ...viewer, cookie: 'not-a-session', csrf: viewer.csrf };
    const forgedBearer: Caller = { ...viewer, cookie: undefined, bearer: 'alk_abcdefgh_' + 'x'.repeat(40) };
    for (const e of entries.filter((x) => x.guard !== 'public' && !x.websocket)) {
      await refused(e, forgedCookie, 401, 'unauthenticated');
      await refused(e, forgedBearer, 401, 'unauthenticated');
    }
  });

  it('operator and admin routes refuse a viewer session and a viewer API token (403)', async () => {
    const higher = entries.filter((e) => {
      const { role } = parseGuard(e.guard);
      return role !== null && roleRank[role] > roleRank.viewer && !e.websocket;
    });
    assert.ok(higher.length >= 5, 'expected several operator/admin routes');
    for (const e of higher) {
      await refused(e, viewer, 403, 'forbidden');
      await refused(e, viewerBearer, 403, 'forbidden');
    }
  });

  it('mutating routes refuse a cookie session without the CSRF header', async () => {
    const mutating = entries.filter((e) => e.guard !== 'public' && MUTATING.has(e.method));
    assert.ok(mutating.length >= 5);
    for (const e of mutating) await refused(e, adminUnlocked, 403, 'csrf_failed', { csrf: false });
    // A wrong token is as bad as none.
    for (const e of mutating)
      await refused(e, { ...adminUnlocked, csrf: 'wrong-csrf-token' }, 403, 'csrf_failed');
    // The session still works afterwards: nothing was logged out.
    const me = await t.request('GET', '/api/auth/me', { as: adminUnlocked });
    assert.equal(me.statusCode, 200);
  });

  it('+unlock routes refuse a privileged session that is not unlocked', async () => {
    const gated = entries.filter((e) => parseGuard(e.guard).unlock);
    assert.ok(gated.length >= 3);
    for (const e of gated) await refused(e, adminLocked, 403, 'unlock_required');
  });

  it('refuses mutating requests from another origin even with a valid CSRF token', async () => {
    const mutating = entries.filter((e) => MUTATING.has(e.method));
    for (const e of mutating) {
      await refused(e, adminUnlocked, 403, 'csrf_failed', { headers: { origin: 'http://evil.example' } });
    }
    // Same origin passes (control: the check is about the origin, not the header's presence).
    const ok = await t.request('POST', '/api/auth/unlock', {
      as: adminUnlocked,
      body: { password: ADMIN.password },
      headers: { host: 'airlock.test', origin: 'http://airlock.test' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  it('the live stream refuses callers without a session, and cross-site sockets', async () => {
    const stream = entries.find((e) => e.url === '/api/stream');
    assert.ok(stream?.websocket);
    assertError(await t.request('GET', '/api/stream'), 401, 'unauthenticated');
    assertError(
      await t.request('GET', '/api/stream', { as: { ...viewer, cookie: 'forged' } }),
      401,
      'unauthenticated',
    );
    assertError(
      await t.request('GET', '/api/stream', { as: viewer, headers: { origin: 'http://evil.example' } }),
      403,
      'csrf_failed',
    );
    // Control: a signed-in viewer gets past the guard (told to upgrade, not refused).
    assert.equal((await t.request('GET', '/api/stream', { as: viewer })).statusCode, 426);
  });

  it('the same privileged callers succeed when they meet the guard (the refusals were real)', async () => {
    const users = await t.request('GET', '/api/users', { as: adminLocked });
    assert.equal(users.statusCode, 200);
    const patch = await t.request('PATCH', `/api/users/${viewerId}`, {
      as: adminUnlocked,
      body: { role: 'operator' },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.equal(patch.json<{ role: string }>().role, 'operator');
  });
});

describe('Origin check behind a proxy that rewrites Host', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ publicUrl: 'https://airlock.example.test' });
  });
  after(() => t.close());

  it('accepts the configured public URL as Origin and still refuses any other', async () => {
    const admin = await t.setup();
    const other = await t.request('POST', '/api/auth/unlock', {
      as: admin,
      body: { password: admin.password },
      headers: { origin: 'https://evil.example.test' },
    });
    assertError(other, 403, 'csrf_failed');
    const ok = await t.request('POST', '/api/auth/unlock', {
      as: admin,
      body: { password: admin.password },
      headers: { origin: 'https://airlock.example.test' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
  });
});
