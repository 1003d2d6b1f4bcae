// Sealed sessions (issue 9), the policy side: credentials go in sealed and never come back out (not
// in answers, the audit log or the database file), and profiles only name credentials that exist
// and are bound to the route's host. Real server, real SQLite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Credential, CredentialList } from '@airlock/contract/credentials';
import type { Profile, ProfileList } from '@airlock/contract/profiles';
import type { LightMyRequestResponse } from 'fastify';
import { conflict } from '../../apps/server/src/lib/errors';
import { ADMIN, PASSWORD, assertError, startTestApp, type Caller, type TestApp } from '../support/app';

/** Long and recognisable: if any byte sequence of it is stored or answered, the search finds it. */
const SECRET = 'sk-ant-TESTVALUE-9f8e7d6c5b4a39281706a1b2';
const OTHER_SECRET = 'ghp_SecondSecretValue0123456789abcdef';

function storeBytes(t: TestApp): Buffer {
  const f = t.store.file;
  return Buffer.concat(
    [f, `${f}-wal`, `${f}-shm`, `${f}-journal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)),
  );
}

function json<T>(res: LightMyRequestResponse, status = 200): T {
  assert.equal(res.statusCode, status, res.body);
  return res.json<T>();
}

/** The field paths of a validation error. */
function paths(res: LightMyRequestResponse): string[] {
  const body = assertError(res, 400, 'validation_failed');
  assert.ok(Array.isArray(body.details), `details should list the fields: ${res.body}`);
  return [...new Set((body.details as { path: string }[]).map((d) => d.path))];
}

describe('credentials and profiles', () => {
  let t: TestApp;
  let admin: Caller;
  let adminLocked: Caller;
  let operator: Caller;
  let viewer: Caller;

  const post = (url: string, body: unknown, as: Caller = admin) => t.request('POST', url, { as, body });
  const listProfiles = async () =>
    json<ProfileList>(await t.request('GET', '/api/profiles', { as: viewer })).items;
  const listCredentials = async () =>
    json<CredentialList>(await t.request('GET', '/api/credentials', { as: admin })).items;
  const auditRows = () => t.store.db.selectFrom('audit_events').selectAll().execute();

  const anthropic = {
    name: 'anthropic',
    value: SECRET,
    inject: { type: 'header', header: 'x-api-key' },
    hosts: ['api.anthropic.com'],
    env: 'ANTHROPIC_API_KEY',
  };
  const github = {
    name: 'github',
    value: OTHER_SECRET,
    inject: { type: 'bearer' },
    hosts: ['*.github.com', 'github.com'],
  };

  before(async () => {
    // A configured default, to see effectiveLimits merge stored limits over the config.
    t = await startTestApp({ sessions: { limits: { pids: 300 } } });
    adminLocked = await t.setup();
    admin = await t.login(ADMIN.username, ADMIN.password);
    await t.unlock(admin);
    await t.createUser(admin, 'otto', 'operator');
    await t.createUser(admin, 'vera', 'viewer');
    operator = await t.login('otto', PASSWORD);
    await t.unlock(operator);
    viewer = await t.login('vera', PASSWORD);
    await t.unlock(viewer);
  });
  after(() => t.close());

  it('only an unlocked admin may create credentials and profiles; nothing is stored otherwise', async () => {
    const before = await t.counts();
    for (const [url, body] of [
      ['/api/credentials', anthropic],
      ['/api/profiles', { name: 'p', routes: [] }],
    ] as const) {
      assertError(await post(url, body, viewer), 403, 'forbidden');
      assertError(await post(url, body, operator), 403, 'forbidden');
      const locked = assertError(await post(url, body, adminLocked), 403, 'unlock_required');
      assert.match(locked.message, /unlock/);
    }
    // Listing credentials is admin-only too; profiles are readable by a viewer.
    assertError(await t.request('GET', '/api/credentials', { as: operator }), 403, 'forbidden');
    assert.deepEqual(await listProfiles(), []);
    assert.deepEqual(await t.counts(), before);
  });

  it('creates a credential sealed: masked in answers, named (never valued) in the audit log and store', async () => {
    const created = json<Credential>(await post('/api/credentials', anthropic), 201);
    assert.equal(created.name, 'anthropic');
    assert.equal(created.valueMasked, 'sk-…a1b2');
    assert.equal(created.env, 'ANTHROPIC_API_KEY');
    assert.deepEqual(created.inject, { type: 'header', header: 'x-api-key' });
    assert.ok(!JSON.stringify(created).includes(SECRET));
    json<Credential>(await post('/api/credentials', github), 201);
    // A short value shows no characters at all.
    const short = json<Credential>(
      await post('/api/credentials', { ...github, name: 'short', value: 'abcdefghij' }),
      201,
    );
    assert.equal(short.valueMasked, '••••');

    const listRes = await t.request('GET', '/api/credentials', { as: admin });
    assert.equal(listRes.statusCode, 200);
    for (const s of [SECRET, OTHER_SECRET, 'abcdefghij', SECRET.slice(3, -4)])
      assert.ok(!listRes.body.includes(s), 'a value appears in the list');
    const items = listRes.json<CredentialList>().items;
    assert.deepEqual(
      items.map((c) => c.name),
      ['anthropic', 'github', 'short'],
    );
    assert.ok(items.every((c) => !('value' in c)));

    const audits = await auditRows();
    const createdEvents = audits.filter((a) => a.action === 'credential.created');
    assert.equal(createdEvents.length, 3);
    assert.ok(createdEvents.some((a) => a.details.includes('"anthropic"')));
    for (const a of audits)
      for (const s of [SECRET, OTHER_SECRET, 'abcdefghij'])
        assert.ok(!JSON.stringify(a).includes(s), `${a.action} audit row holds a value`);

    const bytes = storeBytes(t);
    assert.ok(bytes.length > 0);
    for (const s of [SECRET, OTHER_SECRET])
      assert.ok(!bytes.includes(Buffer.from(s, 'utf8')), 'a value is in the database file in plaintext');
    const row = await t.store.db
      .selectFrom('credentials')
      .select('value_sealed')
      .where('name', '=', 'anthropic')
      .executeTakeFirstOrThrow();
    assert.match(row.value_sealed, /^v1\./);

    // The sessions module gets the plaintext, and only through the service.
    const opened = await t.app.services.credentials.forSession(['anthropic']);
    assert.deepEqual(opened, [
      {
        name: 'anthropic',
        value: SECRET,
        inject: { type: 'header', header: 'x-api-key' },
        hosts: ['api.anthropic.com'],
        env: 'ANTHROPIC_API_KEY',
      },
    ]);
    const all = await t.app.services.credentials.allValues();
    assert.deepEqual(all.map((v) => v.value).sort(), [SECRET, OTHER_SECRET, 'abcdefghij'].sort());
    assert.equal((await t.app.services.credentials.resolve(created.id))?.name, 'anthropic');
    assert.equal((await t.app.services.credentials.resolve('anthropic'))?.id, created.id);
  });

  it('refuses a duplicate name (409) and bad bodies (400 naming the field), storing nothing', async () => {
    const before = await t.counts();
    const dup = assertError(
      await post('/api/credentials', { ...anthropic, value: 'another-value-1' }),
      409,
      'conflict',
    );
    assert.match(dup.message, /"anthropic" already exists/);
    for (const value of ['line-one\nline-two', 'carriage\rreturn', 'nul\u0000inside-it']) {
      const res = await post('/api/credentials', { ...anthropic, name: 'multi', value });
      assert.deepEqual(paths(res), ['body.value']);
      assert.match(res.json<{ message: string }>().message, /single line/);
    }
    assert.deepEqual(paths(await post('/api/credentials', { ...anthropic, name: 'x', value: 'short' })), [
      'body.value',
    ]);
    assert.deepEqual(paths(await post('/api/credentials', { ...anthropic, name: 'Bad Name' })), [
      'body.name',
    ]);
    assert.deepEqual(paths(await post('/api/credentials', { ...anthropic, name: 'e', env: 'lower' })), [
      'body.env',
    ]);
    assert.deepEqual(paths(await post('/api/credentials', { ...anthropic, name: 'h', hosts: [] })), [
      'body.hosts',
    ]);
    assert.deepEqual(paths(await post('/api/credentials', { ...anthropic, name: 'k', extra: 1 })), ['body']);
    assert.deepEqual(await t.counts(), before);
  });

  it('refuses bad routes with the field path, and stores nothing', async () => {
    const before = await t.counts();
    const create = (routes: unknown[]) => post('/api/profiles', { name: 'agent', routes });
    assert.deepEqual(paths(await create([{ host: 'ok.example.com' }, { host: 'bad host!' }])), [
      'body.routes.1.host',
    ]);
    const wildcard = await create([{ host: '*' }]);
    assert.deepEqual(paths(wildcard), ['body.routes.0.host']);
    assert.match(
      JSON.stringify(wildcard.json<{ details: unknown }>().details),
      /wildcard must name a domain/,
    );
    assert.deepEqual(paths(await create([{ host: 'a.example.com', ports: [443, 70000] }])), [
      'body.routes.0.ports.1',
    ]);
    assert.deepEqual(paths(await post('/api/profiles', { name: 'x', routes: [], image: '--privileged' })), [
      'body.image',
    ]);
    assert.deepEqual(paths(await post('/api/profiles', { name: 'x', routes: [], limits: { pids: 1 } })), [
      'body.limits.pids',
    ]);

    // Checks against the credentials, each naming the route by its index.
    const unknown = await create([
      { host: 'a.example.com' },
      { host: 'api.openai.com', credential: 'openai' },
    ]);
    assert.deepEqual(paths(unknown), ['routes[1].credential']);
    assert.match(unknown.json<{ message: string }>().message, /no credential named "openai"/);

    const uncovered = await create([{ host: 'evil.example.com', credential: 'anthropic' }]);
    assert.deepEqual(paths(uncovered), ['routes[0].credential']);
    assert.match(
      uncovered.json<{ message: string }>().message,
      /"anthropic" may be sent only to "api\.anthropic\.com".*"evil\.example\.com"/,
    );
    // `*.github.com` covers its subdomains, never a look-alike suffix.
    assert.deepEqual(paths(await create([{ host: 'notgithub.com', credential: 'github' }])), [
      'routes[0].credential',
    ]);
    assert.deepEqual(paths(await create([{ host: 'x.evilgithub.com', credential: 'github' }])), [
      'routes[0].credential',
    ]);

    const passthrough = await create([
      { host: 'api.github.com', credential: 'github' },
      { host: 'api.github.com', passthrough: true, credential: 'github' },
    ]);
    assert.deepEqual(paths(passthrough), ['routes[1].credential']);
    assert.match(
      passthrough.json<{ message: string }>().message,
      /passthrough.*no credential can be injected/,
    );

    assert.deepEqual(await listProfiles(), []);
    assert.deepEqual(await t.counts(), before);
  });

  let agent: Profile;
  it('creates a profile: credentials stored by id, answered by name; limits merged over the config', async () => {
    const changes: string[] = [];
    const stop = t.app.services.profiles.onChange((c) => changes.push(`${c.type}:${c.profile.name}`));
    agent = json<Profile>(
      await post('/api/profiles', {
        name: 'agent',
        image: 'airlock/sandbox:bookworm',
        limits: { memoryMb: 1024 },
        routes: [
          { host: 'api.anthropic.com', credential: 'anthropic' },
          { host: 'api.github.com', credential: 'github', methods: ['GET'] },
          { host: 'registry.npmjs.org' },
        ],
      }),
      201,
    );
    stop();
    assert.deepEqual(changes, ['created:agent']);
    assert.equal(agent.runtime, 'docker');
    assert.deepEqual(agent.limits, { memoryMb: 1024 });
    assert.deepEqual(agent.effectiveLimits, { pids: 300, memoryMb: 1024, cpus: 2 });
    assert.deepEqual(
      agent.routes.map((r) => r.credential),
      ['anthropic', 'github', undefined],
    );
    const stored = await t.store.db
      .selectFrom('profiles')
      .select('routes')
      .where('id', '=', agent.id)
      .executeTakeFirstOrThrow();
    const credIds = (await listCredentials()).filter((c) => c.name !== 'short').map((c) => c.id);
    for (const id of credIds) assert.ok(stored.routes.includes(`"${id}"`), 'credential stored by id');
    assert.ok(!stored.routes.includes('"anthropic"'));

    const dup = assertError(await post('/api/profiles', { name: 'agent', routes: [] }), 409, 'conflict');
    assert.match(dup.message, /"agent" already exists/);
    const audit = (await auditRows()).find((a) => a.action === 'profile.created');
    assert.ok(audit?.details.includes('"agent"'));
  });

  it('gets a profile by name and by id (viewer); an unknown ref is 404', async () => {
    const byName = json<Profile>(await t.request('GET', '/api/profiles/agent', { as: viewer }));
    const byId = json<Profile>(await t.request('GET', `/api/profiles/${agent.id}`, { as: viewer }));
    assert.deepEqual(byName, agent);
    assert.deepEqual(byId, agent);
    assertError(await t.request('GET', '/api/profiles/nope', { as: viewer }), 404, 'not_found');
  });

  it('PATCH replaces routes and limits (checked like create); effectiveLimits follow the config', async () => {
    const patch = (body: unknown) => t.request('PATCH', '/api/profiles/agent', { as: admin, body });
    assertError(await patch({}), 400, 'validation_failed');
    assertError(await t.request('PATCH', '/api/profiles/agent', { as: operator, body: { routes: [] } }), 403);
    assert.deepEqual(paths(await patch({ routes: [{ host: 'api.openai.com', credential: 'anthropic' }] })), [
      'routes[0].credential',
    ]);
    assert.deepEqual(json<Profile>(await t.request('GET', '/api/profiles/agent', { as: viewer })), agent);

    const changes: string[] = [];
    const stop = t.app.services.profiles.onChange((c) =>
      changes.push(`${c.type}:${c.profile.routes.length}`),
    );
    const updated = json<Profile>(
      await patch({
        routes: [{ host: 'api.anthropic.com', credential: 'anthropic', paths: ['/v1/'] }],
        limits: { cpus: 0.5 },
        runtime: 'bubblewrap',
      }),
    );
    stop();
    assert.deepEqual(changes, ['updated:1']);
    assert.deepEqual(updated.routes, [
      { host: 'api.anthropic.com', credential: 'anthropic', paths: ['/v1/'] },
    ]);
    assert.deepEqual(updated.limits, { cpus: 0.5 });
    assert.deepEqual(updated.effectiveLimits, { pids: 300, memoryMb: 2048, cpus: 0.5 });
    assert.equal(updated.runtime, 'bubblewrap');
    assert.equal(updated.image, 'airlock/sandbox:bookworm');
    const cleared = json<Profile>(await patch({ image: null }));
    assert.equal(cleared.image, null);
    assert.deepEqual(
      json<Profile>(await t.request('GET', `/api/profiles/${agent.id}`, { as: viewer })),
      cleared,
    );
    const audit = (await auditRows()).filter((a) => a.action === 'profile.updated');
    assert.equal(audit.length, 2);
    assert.ok(!JSON.stringify(audit).includes(SECRET));
  });

  it('a credential in use is not removed (409 naming the profile); after the profile goes, it is', async () => {
    json<Profile>(
      await post('/api/profiles', {
        name: 'second',
        routes: [{ host: 'api.anthropic.com', credential: 'anthropic' }],
      }),
      201,
    );
    const inUse = assertError(
      await t.request('DELETE', '/api/credentials/anthropic', { as: admin }),
      409,
      'conflict',
    );
    assert.match(inUse.message, /profiles "agent", "second"/);
    assert.equal((await listCredentials()).length, 3);

    // The sessions module's veto: a hook that throws refuses the removal and changes nothing.
    const drop = t.app.services.profiles.onBeforeRemove((p) => {
      if (p.name === 'second') throw conflict('Profile "second" is used by a running session.');
    });
    const vetoed = assertError(await t.request('DELETE', '/api/profiles/second', { as: admin }), 409);
    assert.match(vetoed.message, /running session/);
    drop();
    assert.equal((await listProfiles()).length, 2);

    assert.equal((await t.request('DELETE', `/api/profiles/${agent.id}`, { as: admin })).statusCode, 200);
    assert.equal((await t.request('DELETE', '/api/profiles/second', { as: admin })).statusCode, 200);
    assertError(await t.request('DELETE', '/api/profiles/second', { as: admin }), 404, 'not_found');
    assert.deepEqual(await listProfiles(), []);

    const anthropicId = (await listCredentials()).find((c) => c.name === 'anthropic')?.id;
    assert.ok(anthropicId);
    assert.equal(
      (await t.request('DELETE', `/api/credentials/${anthropicId}`, { as: admin })).statusCode,
      200,
    );
    assert.equal((await t.request('DELETE', '/api/credentials/github', { as: admin })).statusCode, 200);
    assertError(await t.request('DELETE', '/api/credentials/github', { as: admin }), 404, 'not_found');
    assert.deepEqual(
      (await listCredentials()).map((c) => c.name),
      ['short'],
    );
    const actions = (await auditRows()).map((a) => a.action);
    assert.equal(actions.filter((a) => a === 'profile.removed').length, 2);
    assert.equal(actions.filter((a) => a === 'credential.removed').length, 2);
    for (const a of await auditRows())
      assert.ok(!a.details.includes(SECRET) && !a.details.includes(OTHER_SECRET), a.action);
  });
});
