import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Profile } from '@airlock/contract/profiles';
import { credentialUsers, limitsText, portsText, unscannedCount } from './profiles';

const profile = (name: string, routes: Profile['routes']): Profile => ({
  id: name.toUpperCase(),
  name,
  runtime: 'docker',
  image: null,
  limits: {},
  effectiveLimits: { pids: 512, memoryMb: 2048, cpus: 2 },
  routes,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

void describe('profile display', () => {
  void it('lists which profiles use each credential, once each and sorted', () => {
    const users = credentialUsers([
      profile('zeta', [{ host: 'api.example', credential: 'gh' }]),
      profile('alpha', [
        { host: 'api.example', credential: 'gh' },
        { host: 'uploads.example', credential: 'gh' },
        { host: 'x.example', credential: 'other' },
      ]),
      profile('plain', [{ host: 'pypi.org', passthrough: true }]),
    ]);
    assert.deepEqual(Object.fromEntries(users), { gh: ['alpha', 'zeta'], other: ['alpha'] });
  });

  void it('counts the passthrough routes only', () => {
    assert.equal(
      unscannedCount(
        profile('p', [
          { host: 'a.example', passthrough: true },
          { host: 'b.example', passthrough: false },
          { host: 'c.example' },
        ]),
      ),
      1,
    );
  });

  void it('spells out default ports and limits', () => {
    assert.equal(portsText({ host: 'a.example' }), '443, 80 (default)');
    assert.equal(portsText({ host: 'a.example', ports: [8443, 443] }), '8443, 443');
    assert.equal(limitsText({ pids: 512, memoryMb: 2048, cpus: 2 }), '512 pids · 2 GiB · 2 CPUs');
    assert.equal(limitsText({ pids: 64, memoryMb: 1500, cpus: 1 }), '64 pids · 1500 MiB · 1 CPU');
  });
});
