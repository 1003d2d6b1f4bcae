import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerListQuery, type ContainerSummary } from '@airlock/contract/fleet';
import { queryContainers } from './fleet.query';

const mk = (over: Partial<ContainerSummary>): ContainerSummary => ({
  hostId: 'a',
  id: '0'.repeat(64),
  name: 'x',
  image: 'img',
  state: 'running',
  health: 'none',
  status: 'green',
  statusReason: 'running',
  exitCode: null,
  oomKilled: false,
  restartCount: 0,
  startedAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  labels: {},
  ports: [],
  ...over,
});

const fleet = [
  mk({ name: 'web', status: 'green', image: 'nginx' }),
  mk({ name: 'db', status: 'red', state: 'exited', exitCode: 1, hostId: 'b' }),
  mk({ name: 'cache', status: 'amber', state: 'paused', labels: { tier: 'Backend' } }),
  mk({ name: 'api', status: 'red', health: 'unhealthy', restartCount: 4 }),
];
const q = (raw: Record<string, string>) => queryContainers(fleet, ContainerListQuery.parse(raw), (id) => id);
const names = (raw: Record<string, string>) => q(raw).items.map((c) => c.name);

describe('container list query', () => {
  it('puts red first, then amber, then green, ties by name', () => {
    assert.deepEqual(names({}), ['api', 'db', 'cache', 'web']);
  });
  it('filters by host, state, health and status, and counts the whole fleet', () => {
    assert.deepEqual(names({ host: 'b' }), ['db']);
    assert.deepEqual(names({ state: 'running,paused' }), ['api', 'cache', 'web']);
    assert.deepEqual(names({ health: 'unhealthy' }), ['api']);
    assert.deepEqual(names({ status: 'green,amber' }), ['cache', 'web']);
    assert.deepEqual(q({ host: 'b' }).counts, { red: 2, amber: 1, green: 1 });
  });
  it('searches name, image and labels case-insensitively', () => {
    assert.deepEqual(names({ q: 'NGINX' }), ['web']);
    assert.deepEqual(names({ q: 'backend' }), ['cache']);
    assert.deepEqual(names({ q: 'tier' }), ['cache']);
  });
  it('sorts by other columns both ways and limits', () => {
    assert.deepEqual(names({ sort: 'name' }), ['api', 'cache', 'db', 'web']);
    assert.deepEqual(names({ sort: 'name', order: 'desc' }), ['web', 'db', 'cache', 'api']);
    assert.deepEqual(names({ sort: 'restarts', order: 'desc' })[0], 'api');
    const limited = q({ limit: '2' });
    assert.equal(limited.items.length, 2);
    assert.equal(limited.total, 4);
  });
  it('refuses unknown filters and values', () => {
    assert.equal(ContainerListQuery.safeParse({ state: 'running,exploding' }).success, false);
    assert.equal(ContainerListQuery.safeParse({ host: '../etc' }).success, false);
    assert.equal(ContainerListQuery.safeParse({ sort: 'id;drop' }).success, false);
    assert.equal(ContainerListQuery.safeParse({ evil: '1' }).success, false);
  });
});
