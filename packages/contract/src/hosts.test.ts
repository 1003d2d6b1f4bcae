import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CREATE_HOST_FIELDS, HOST_FIELDS, UPDATE_HOST_FIELDS, hostKindsTaking } from './hosts';

describe('host field lists come from the schemas', () => {
  it('each kind lists exactly what its create schema takes', () => {
    assert.deepEqual(HOST_FIELDS.local.sort(), ['kind', 'label', 'protected', 'socketPath']);
    assert.deepEqual(HOST_FIELDS.agent.sort(), ['intervalSeconds', 'kind', 'label', 'protected']);
    for (const f of ['host', 'port', 'username', 'privateKey', 'password', 'hostKeyFingerprint', 'jump'])
      assert.ok((HOST_FIELDS.ssh as string[]).includes(f), f);
  });
  it('every field an update takes belongs to some kind, and the create list covers every kind', () => {
    for (const f of UPDATE_HOST_FIELDS) assert.ok(hostKindsTaking(f).length > 0, f);
    for (const k of ['local', 'ssh', 'agent'] as const)
      for (const f of HOST_FIELDS[k]) assert.ok((CREATE_HOST_FIELDS as string[]).includes(f));
    assert.deepEqual(hostKindsTaking('socketPath'), ['local', 'ssh']);
    assert.deepEqual(hostKindsTaking('intervalSeconds'), ['agent']);
  });
});
