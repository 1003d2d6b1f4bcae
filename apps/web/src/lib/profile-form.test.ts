import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Profile } from '@airlock/contract/profiles';
import { ApiError } from '../api/client';
import {
  createBodyOf,
  emptyProfileDraft,
  emptyRoute,
  errorKeyOf,
  errorsAfterRemovingRoute,
  profileDraftFrom,
  serverProfileErrors,
  updateBodyOf,
  type ProfileDraft,
  type RouteDraft,
} from './profile-form';

const draft = (routes: Array<Partial<RouteDraft>>, over: Partial<ProfileDraft> = {}): ProfileDraft => ({
  ...emptyProfileDraft(),
  name: 'agent',
  routes: routes.map((r) => ({ ...emptyRoute(), ...r })),
  ...over,
});

void describe('profile form → request body', () => {
  void it('sends only what a route sets, with ports and paths split and methods in a stable order', () => {
    const r = createBodyOf(
      draft([
        {
          host: ' api.example.com ',
          ports: '443, 8443 9443',
          methods: ['POST', 'GET'],
          paths: '/v1/\n/v2/messages',
          credential: 'anthropic',
          websocket: true,
        },
        { host: 'registry.npmjs.org', passthrough: true },
      ]),
    );
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.body, {
      name: 'agent',
      runtime: 'docker',
      routes: [
        {
          host: 'api.example.com',
          ports: [443, 8443, 9443],
          methods: ['GET', 'POST'],
          paths: ['/v1/', '/v2/messages'],
          credential: 'anthropic',
          websocket: true,
        },
        { host: 'registry.npmjs.org', passthrough: true },
      ],
    });
  });

  void it('leaves the image and limits out when empty, and keeps the ones given', () => {
    const r = createBodyOf(
      draft([], { image: 'airlock/agent:bookworm', limits: { pids: 128, memoryMb: '', cpus: '1.5' } }),
    );
    assert.ok(r.ok);
    assert.equal(r.body.image, 'airlock/agent:bookworm');
    assert.deepEqual(r.body.limits, { pids: 128, cpus: 1.5 });
    const bare = createBodyOf(draft([]));
    assert.ok(bare.ok);
    assert.equal('image' in bare.body, false);
    assert.equal('limits' in bare.body, false);
  });

  void it('puts each problem on its own route and field, with the contract’s words', () => {
    const r = createBodyOf(
      draft([{ host: 'ok.example.com' }, { host: 'not a host', ports: '443, https', paths: 'v1' }], {
        name: 'Bad Name',
      }),
    );
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.errors.name ?? '', /^A name is 1-64 lower-case/);
    assert.match(r.errors['routes.1.host'] ?? '', /^A route host is a DNS name/);
    assert.equal(r.errors['routes.1.ports'], '"https" is not a port: a port is a number from 1 to 65535');
    assert.match(r.errors['routes.1.paths'] ?? '', /starts with "\/"/);
    assert.equal(r.errors['routes.0.host'], undefined);
  });

  void it('refuses a port out of range and a limit out of its bounds', () => {
    const r = createBodyOf(
      draft([{ host: 'a.example', ports: '0 70000' }], { limits: { pids: 4, memoryMb: '', cpus: '' } }),
    );
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.errors['routes.0.ports'] ?? '', /"0" is not a port/);
    assert.equal(r.errors['limits.pids'], 'Must be a whole number from 16 to 65536');
  });

  void it('an empty host is named, not dropped', () => {
    const r = createBodyOf(draft([{ host: '   ' }]));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.errors['routes.0.host'], 'A route needs a host');
  });

  void it('an edit sends every field, so cleared limits and image go back to the defaults', () => {
    const r = updateBodyOf(draft([{ host: 'a.example' }]));
    assert.ok(r.ok);
    assert.deepEqual(r.body, {
      name: 'agent',
      runtime: 'docker',
      image: null,
      limits: {},
      routes: [{ host: 'a.example' }],
    });
  });

  void it('round-trips a stored profile through the form unchanged', () => {
    const p: Profile = {
      id: 'P1',
      name: 'claude',
      runtime: 'bubblewrap',
      image: null,
      limits: { memoryMb: 1024 },
      effectiveLimits: { pids: 512, memoryMb: 1024, cpus: 2 },
      routes: [
        { host: 'api.anthropic.com', credential: 'anthropic', methods: ['POST'], paths: ['/v1/'] },
        { host: '*.npmjs.org', ports: [443], passthrough: true, allowPrivate: true },
      ],
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    const r = updateBodyOf(profileDraftFrom(p));
    assert.ok(r.ok);
    assert.deepEqual(r.body, {
      name: 'claude',
      runtime: 'bubblewrap',
      image: null,
      limits: { memoryMb: 1024 },
      routes: p.routes,
    });
  });
});

void describe('where errors show', () => {
  void it('reads both of the server’s path spellings', () => {
    assert.equal(errorKeyOf('body.routes.2.host'), 'routes.2.host');
    assert.equal(errorKeyOf('routes[0].credential'), 'routes.0.credential');
    assert.equal(errorKeyOf('body.routes.1.ports.3'), 'routes.1.ports');
    assert.equal(errorKeyOf('body.routes.1.bogus'), 'routes.1');
    assert.equal(errorKeyOf('body.routes'), 'routes');
    assert.equal(errorKeyOf('body.limits.cpus'), 'limits.cpus');
    assert.equal(errorKeyOf('body.limits.swap'), 'limits');
    assert.equal(errorKeyOf('body.name'), 'name');
    assert.equal(errorKeyOf('body'), null);
    assert.equal(errorKeyOf('body.owner'), null);
  });

  void it('places the server’s field issues and keeps an alert only for what no field owns', () => {
    const placed = serverProfileErrors(
      new ApiError(400, 'validation_failed', 'x', [
        { path: 'routes[1].credential', message: 'no credential named "gh" exists' },
      ]),
    );
    assert.deepEqual(placed, {
      errors: { 'routes.1.credential': 'No credential named "gh" exists' },
      alert: null,
    });

    const loose = new ApiError(400, 'validation_failed', 'x', [
      { path: 'body.routes.0.host', message: 'bad' },
      { path: 'body', message: 'give at least one of name, runtime, image, limits, routes' },
    ]);
    const r = serverProfileErrors(loose);
    assert.deepEqual(r.errors, { 'routes.0.host': 'Bad' });
    assert.equal(r.alert, loose);
  });

  void it('shows a taken name next to the name field', () => {
    const err = new ApiError(409, 'conflict', 'A profile named "a" already exists; pick another name.', {
      field: 'name',
    });
    assert.deepEqual(serverProfileErrors(err), { errors: { name: err.message }, alert: null });
    const other = new ApiError(409, 'conflict', 'in use');
    assert.deepEqual(serverProfileErrors(other), { errors: {}, alert: other });
    assert.deepEqual(serverProfileErrors(null), { errors: {}, alert: null });
  });

  void it('moves route messages up when a route above is removed, and drops the removed one’s', () => {
    assert.deepEqual(
      errorsAfterRemovingRoute(
        { name: 'n', 'routes.0.host': 'a', 'routes.1.ports': 'b', 'routes.2': 'c', routes: 'd' },
        1,
      ),
      { name: 'n', 'routes.0.host': 'a', 'routes.1': 'c', routes: 'd' },
    );
  });
});
