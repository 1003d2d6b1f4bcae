import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerListQuery, ContainerSummary } from './fleet';
import { compareContainers, containerMatcher, queryContainers } from './fleet-query';

let seq = 0;
function row(p: Partial<ContainerSummary>): ContainerSummary {
  seq += 1;
  return {
    hostId: 'h1',
    id: seq.toString(16).padStart(12, '0'),
    name: `c${seq}`,
    image: 'img',
    state: 'running',
    health: 'none',
    status: 'green',
    statusReason: null,
    exitCode: null,
    oomKilled: false,
    restartCount: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    labels: {},
    ports: [],
    ...p,
  } as ContainerSummary;
}
const query = (q: Partial<ContainerListQuery> = {}): ContainerListQuery => ({
  sort: 'status',
  order: 'asc',
  limit: 20000,
  ...q,
});
const names = (rows: ContainerSummary[]) => rows.map((r) => r.name);
const label = (id: string) => id;

describe('the one fleet query', () => {
  it('orders names as people read them: case-insensitive, digits by value', () => {
    const rows = [
      row({ name: 'web-10' }),
      row({ name: 'Web-2' }),
      row({ name: 'api' }),
      row({ name: 'web-1' }),
    ];
    assert.deepEqual(names(queryContainers(rows, query({ sort: 'name' }), label).items), [
      'api',
      'web-1',
      'Web-2',
      'web-10',
    ]);
  });

  it('a paused container keeps its uptime; stopped ones sort last in both orders', () => {
    const rows = [
      row({ name: 'exited', state: 'exited', startedAt: '2026-01-01T00:00:00.000Z' }),
      row({ name: 'old', startedAt: '2026-01-01T00:00:00.000Z' }),
      row({ name: 'paused', state: 'paused', startedAt: '2026-01-02T00:00:00.000Z' }),
      row({ name: 'new', startedAt: '2026-01-03T00:00:00.000Z' }),
    ];
    assert.deepEqual(names(queryContainers(rows, query({ sort: 'uptime' }), label).items), [
      'new',
      'paused',
      'old',
      'exited',
    ]);
    assert.deepEqual(names(queryContainers(rows, query({ sort: 'uptime', order: 'desc' }), label).items), [
      'old',
      'paused',
      'new',
      'exited',
    ]);
  });

  it('the order is total: any input order gives the same rows, and limit cuts at the same place', () => {
    // Same name and status on two hosts, and same name on one host twice (ids differ).
    const rows = [
      row({ name: 'db', hostId: 'h2' }),
      row({ name: 'db', hostId: 'h1' }),
      row({ name: 'db', hostId: 'h1' }),
      row({ name: 'cache', status: 'red' }),
      row({ name: 'app', status: 'amber' }),
    ];
    const full = queryContainers(rows, query(), label).items.map((r) => r.id);
    for (let i = 0; i < 20; i++) {
      const shuffled = [...rows].sort(() => Math.random() - 0.5);
      assert.deepEqual(
        queryContainers(shuffled, query(), label).items.map((r) => r.id),
        full,
      );
      assert.deepEqual(
        queryContainers(shuffled, query({ limit: 3 }), label).items.map((r) => r.id),
        full.slice(0, 3),
      );
    }
    const limited = queryContainers(rows, query({ limit: 2 }), label);
    assert.equal(limited.total, 5);
    assert.deepEqual(limited.counts, { red: 1, amber: 1, green: 3 });
  });

  it('red first by default, and the comparator the web uses gives the server order', () => {
    const rows = [
      row({ status: 'green', name: 'a' }),
      row({ status: 'red', name: 'z' }),
      row({ status: 'amber' }),
    ];
    const server = queryContainers(rows, query(), label).items;
    assert.equal(server[0]!.status, 'red');
    assert.deepEqual([...rows].sort(compareContainers('status', 'asc', label)), server);
  });

  it('matches name, image and label keys and values, case-insensitively, with every filter', () => {
    const c = row({ name: 'Shop-API', image: 'ghcr.io/acme/shop', labels: { Team: 'Payments' } });
    for (const q of ['shop-api', 'ACME', 'team', 'payments']) assert.ok(containerMatcher({ q })(c), q);
    assert.ok(!containerMatcher({ q: 'nope' })(c));
    assert.ok(containerMatcher({ host: ['h1'], status: ['green'], state: ['running'] })(c));
    assert.ok(!containerMatcher({ host: ['h2'] })(c));
    assert.ok(!containerMatcher({ health: ['unhealthy'] })(c));
  });
});
