import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditApi } from './audit';
import { authApi } from './auth';
import { allEndpoints } from './catalog';
import { can, endpointPath, needsUnlock, pathParams } from './endpoint';
import { fleetApi } from './fleet';
import { hostsApi } from './hosts';
import { usersApi } from './users';

void describe('endpoint catalog', () => {
  void it('has one endpoint per method and path, each path param named in its schema', () => {
    const seen = new Set<string>();
    for (const { name, endpoint } of allEndpoints()) {
      const key = `${endpoint.method} ${endpoint.path}`;
      assert.ok(!seen.has(key), `${name}: ${key} declared twice`);
      seen.add(key);
      assert.ok(endpoint.path.startsWith('/api/'), name);
      const shape = (endpoint.params as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
      assert.deepEqual(pathParams(endpoint.path).sort(), Object.keys(shape ?? {}).sort(), name);
      if (endpoint.kind === 'json') assert.ok(endpoint.response, `${name} has no response schema`);
    }
  });

  void it('fills and encodes path params and skips empty query values', () => {
    assert.equal(
      endpointPath(fleetApi.action, { hostId: 'h 1', id: 'a/../b', verb: 'stop' }),
      '/api/containers/h%201/a%2F..%2Fb/actions/stop',
    );
    assert.equal(
      endpointPath(
        auditApi.list,
        {},
        { limit: 5, before: undefined, action: '', actor: null, q: ['a', 'b'] },
      ),
      '/api/audit?limit=5&q=a%2Cb',
    );
    assert.throws(() => endpointPath(hostsApi.get, {}), /path parameter "id" is missing/);
  });

  void it('can() answers from the guard and fails closed on a role it does not know', () => {
    const as = (role: unknown) => ({ user: { role } });
    assert.equal(can(null, authApi.login), true);
    assert.equal(can(null, authApi.me), false);
    assert.equal(can(as('viewer'), authApi.me), true);
    assert.equal(can(as('viewer'), fleetApi.action), false);
    assert.equal(can(as('operator'), fleetApi.action), true);
    assert.equal(can(as('operator'), usersApi.create), false);
    assert.equal(can(as('admin'), usersApi.create), true);
    for (const bogus of ['root', 'ADMIN', '', null, 3, 'admin ', '__proto__', 'toString'])
      assert.equal(can(as(bogus), authApi.me), false, String(bogus));
    assert.equal(needsUnlock(usersApi.create), true);
    assert.equal(needsUnlock(usersApi.list), false);
  });
});
