import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CSRF_HEADER, SESSION_COOKIE } from '@airlock/contract/auth';
import { ensureBaseImage, removeContainers, testName } from '../support/docker';
import { createHost, startFleetApp, runContainer, waitContainer, type FleetApp } from '../support/fleet';

// `curl -X POST …/actions/restart` sends no body and no content type; a POST whose body schema has no
// required field must take that (and an explicit empty JSON body) as `{}`, not answer "expected object".
describe('POST without a body where the body has no required fields', () => {
  let f: FleetApp;
  let hostId: string;
  const name = testName('nobody');

  before(async () => {
    await ensureBaseImage();
    f = await startFleetApp();
    hostId = (await createHost(f, { kind: 'local', label: `nobody-${process.pid}` })).host.id;
    await runContainer(name, [], ['sleep', '300']);
    await waitContainer(f, 'container listed', (c) => c.name === name, { query: `?q=${name}` });
  });
  after(async () => {
    await removeContainers([name]);
    await f?.close();
  });

  const post = (path: string, init: RequestInit = {}) =>
    fetch(`${f.url}${path}`, {
      method: 'POST',
      ...init,
      headers: {
        cookie: `${SESSION_COOKIE}=${f.operator.cookie}`,
        [CSRF_HEADER]: f.operator.csrf ?? '',
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  it('an action with no body at all (curl -X POST) runs', async () => {
    const res = await post(`/api/containers/${hostId}/${name}/actions/restart`);
    assert.equal(res.status, 200, await res.text());
  });

  it('an action with an empty application/json body runs', async () => {
    const res = await post(`/api/containers/${hostId}/${name}/actions/restart`, {
      headers: { 'content-type': 'application/json' },
      body: '',
    });
    assert.equal(res.status, 200, await res.text());
  });

  it('a body that is not an object is still refused with a clear message', async () => {
    const res = await post(`/api/containers/${hostId}/${name}/actions/restart`, {
      headers: { 'content-type': 'application/json' },
      body: '[1]',
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'validation_failed');
  });

  it('a body with required fields still names what is missing when sent empty', async () => {
    const res = await post('/api/auth/unlock');
    assert.equal(res.status, 400);
    const body = (await res.json()) as { message: string };
    assert.match(body.message, /password/i);
  });
});
