/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerList, ContainerSummary } from '@airlock/contract/fleet';
import {
  DEFAULT_FLEET_FILTERS,
  applyContainerPatch,
  countStatuses,
  filtersFromParams,
  filtersToParams,
  matchesFilters,
  sortContainers,
  PatchLog,
  type FleetFilters,
} from './fleet-list';

let n = 0;
function c(over: Partial<ContainerSummary> & { name: string }): ContainerSummary {
  n += 1;
  return {
    hostId: 'h1',
    id: n.toString(16).padStart(64, '0'),
    image: 'nginx:1',
    state: 'running',
    health: 'none',
    status: 'green',
    statusReason: 'running',
    exitCode: null,
    oomKilled: false,
    restartCount: 0,
    startedAt: '2026-01-01T00:00:00Z',
    createdAt: '2026-01-01T00:00:00Z',
    labels: {},
    ports: [],
    ...over,
  };
}
const label = (id: string) => ({ h1: 'zeta', h2: 'alpha' })[id] ?? id;
const f = (over: Partial<FleetFilters> = {}): FleetFilters => ({ ...DEFAULT_FLEET_FILTERS, ...over });
const list = (items: ContainerSummary[], filters = f()): ContainerList => ({
  items: sortContainers(items, filters, label),
  total: items.length,
  counts: countStatuses(items),
});
const names = (l: ContainerList) => l.items.map((x) => x.name);

void describe('filters in the URL', () => {
  void it('round-trips and drops unknown or malformed values', () => {
    const p = new URLSearchParams(
      'host=h1,bad id,h2&state=running,bogus&status=red&q=web&sort=uptime&order=desc',
    );
    const parsed = filtersFromParams(p);
    assert.deepEqual(parsed, {
      host: ['h1', 'h2'],
      state: ['running'],
      health: [],
      status: ['red'],
      q: 'web',
      sort: 'uptime',
      order: 'desc',
    });
    assert.equal(
      filtersToParams(parsed).toString(),
      'host=h1%2Ch2&state=running&status=red&q=web&sort=uptime&order=desc',
    );
    assert.equal(filtersToParams(DEFAULT_FLEET_FILTERS).toString(), '', 'defaults leave the URL clean');
    assert.equal(filtersFromParams(new URLSearchParams('sort=evil')).sort, 'status');
  });
});

void describe('matchesFilters', () => {
  const web = c({ name: 'web', image: 'nginx:1', labels: { 'com.example.team': 'Payments' } });
  void it('matches q against name, image, label keys and values, case-insensitively', () => {
    assert.ok(matchesFilters(web, f({ q: 'WEB' })));
    assert.ok(matchesFilters(web, f({ q: 'nginx' })));
    assert.ok(matchesFilters(web, f({ q: 'example.team' })));
    assert.ok(matchesFilters(web, f({ q: 'payments' })));
    assert.ok(!matchesFilters(web, f({ q: 'postgres' })));
  });
  void it('ANDs the facets and ORs values within one', () => {
    assert.ok(matchesFilters(web, f({ state: ['exited', 'running'], host: ['h1'] })));
    assert.ok(!matchesFilters(web, f({ state: ['running'], status: ['red'] })));
    assert.ok(!matchesFilters(web, f({ host: ['h2'] })));
  });
});

void describe('sortContainers', () => {
  void it('puts red first, then amber, then green, ties by name', () => {
    const items = [
      c({ name: 'b-green' }),
      c({ name: 'z-red', status: 'red' }),
      c({ name: 'a-amber', status: 'amber' }),
      c({ name: 'a-red', status: 'red' }),
    ];
    assert.deepEqual(names(list(items)), ['a-red', 'z-red', 'a-amber', 'b-green']);
  });
  void it('sorts by host label, not id', () => {
    const items = [c({ name: 'x', hostId: 'h1' }), c({ name: 'y', hostId: 'h2' })];
    assert.deepEqual(names(list(items, f({ sort: 'host' }))), ['y', 'x']);
  });
  void it('sorts uptime by start time and keeps stopped containers last both ways', () => {
    const items = [
      c({ name: 'old', startedAt: '2026-01-01T00:00:00Z' }),
      c({ name: 'stopped', state: 'exited' }),
      c({ name: 'new', startedAt: '2026-01-02T00:00:00Z' }),
    ];
    assert.deepEqual(names(list(items, f({ sort: 'uptime' }))), ['new', 'old', 'stopped']);
    assert.deepEqual(names(list(items, f({ sort: 'uptime', order: 'desc' }))), ['old', 'new', 'stopped']);
  });
});

void describe('applyContainerPatch', () => {
  void it('an upsert that turns a container red moves it to the top and updates counts', () => {
    const a = c({ name: 'a' });
    const b = c({ name: 'b' });
    const l = list([a, b]);
    const next = applyContainerPatch(
      l,
      {
        type: 'containers.upsert',
        hostId: 'h1',
        items: [{ ...b, status: 'red', statusReason: 'unhealthy' }],
      },
      f(),
      label,
    );
    assert.deepEqual(names(next), ['b', 'a']);
    assert.deepEqual(next.counts, { red: 1, amber: 0, green: 1 });
    assert.equal(next.total, 2);
    assert.deepEqual(names(l), ['a', 'b'], 'the cached list is not mutated');
  });

  void it('drops a container that no longer matches the filter and adds one that now does', () => {
    const a = c({ name: 'a', status: 'red' });
    const b = c({ name: 'b' });
    const filters = f({ status: ['red'] });
    const l = { items: [a], total: 1, counts: { red: 1, amber: 0, green: 1 } };
    const next = applyContainerPatch(
      l,
      {
        type: 'containers.upsert',
        hostId: 'h1',
        items: [
          { ...a, status: 'green' },
          { ...b, status: 'red' },
        ],
      },
      filters,
      label,
    );
    assert.deepEqual(names(next), ['b']);
    assert.equal(next.total, 1);
    // Only the change to `a` is known in a filtered view: red -1, green +1.
    assert.deepEqual(next.counts, { red: 0, amber: 0, green: 2 });
  });

  void it('applies the search text to incoming containers', () => {
    const l = list([], f({ q: 'api' }));
    const next = applyContainerPatch(
      l,
      { type: 'containers.upsert', hostId: 'h1', items: [c({ name: 'web' }), c({ name: 'api-1' })] },
      f({ q: 'api' }),
      label,
    );
    assert.deepEqual(names(next), ['api-1']);
  });

  void it('removes by id only on the named host', () => {
    const a = c({ name: 'a' });
    const twin = { ...a, hostId: 'h2' };
    const next = applyContainerPatch(
      list([a, twin]),
      { type: 'containers.remove', hostId: 'h1', ids: [a.id] },
      f(),
      label,
    );
    assert.deepEqual(
      next.items.map((x) => x.hostId),
      ['h2'],
    );
    assert.equal(next.total, 1);
  });

  void it('replace swaps one host’s whole set and leaves other hosts alone', () => {
    const keep = c({ name: 'other', hostId: 'h2' });
    const gone = c({ name: 'gone' });
    const fresh = c({ name: 'fresh', status: 'amber' });
    const next = applyContainerPatch(
      list([keep, gone]),
      { type: 'containers.replace', hostId: 'h1', items: [fresh] },
      f(),
      label,
    );
    assert.deepEqual(names(next), ['fresh', 'other']);
    assert.deepEqual(next.counts, { red: 0, amber: 1, green: 1 });
  });

  void it('a removed host takes its containers with it', () => {
    const next = applyContainerPatch(
      list([c({ name: 'x' }), c({ name: 'y', hostId: 'h2' })]),
      { type: 'host.removed', hostId: 'h1' },
      f(),
      label,
    );
    assert.deepEqual(names(next), ['y']);
  });

  void it('returns the same object when nothing it holds changed', () => {
    const l = list([c({ name: 'a' })]);
    assert.equal(
      applyContainerPatch(l, { type: 'containers.remove', hostId: 'h1', ids: ['nope'] }, f(), label),
      l,
    );
  });

  void it('ignores items a message claims for another host', () => {
    const next = applyContainerPatch(
      list([]),
      { type: 'containers.upsert', hostId: 'h1', items: [c({ name: 'sneaky', hostId: 'h2' })] },
      f(),
      label,
    );
    assert.equal(next.items.length, 0);
  });
});

describe('PatchLog: list answers that were in flight while live patches arrived', () => {
  it('re-applying the in-flight patches in order ends at the newest state', () => {
    const log = new PatchLog();
    const web = c({ name: 'web', state: 'running', status: 'green' });
    const start = log.position;
    // While the request is in flight: stopped (older than the answer), then started again.
    const stopped = {
      ...web,
      state: 'exited' as const,
      status: 'amber' as const,
      statusReason: 'stopped (exit 0)',
    };
    log.record({ type: 'containers.upsert', hostId: 'h1', items: [stopped] });
    log.record({ type: 'containers.upsert', hostId: 'h1', items: [web] });
    // The answer was served between the two patches: it says exited.
    let data = list([stopped]);
    for (const p of log.since(start) ?? []) data = applyContainerPatch(data, p, f(), label);
    assert.equal(data.items[0]?.state, 'running');
    assert.deepEqual(data.counts, { red: 0, amber: 0, green: 1 });
  });

  it('a removal that arrived in flight removes the row the answer still had', () => {
    const log = new PatchLog();
    const gone = c({ name: 'gone' });
    const start = log.position;
    log.record({ type: 'containers.remove', hostId: 'h1', ids: [gone.id] });
    let data = list([gone, c({ name: 'kept' })]);
    for (const p of log.since(start) ?? []) data = applyContainerPatch(data, p, f(), label);
    assert.deepEqual(names(data), ['kept']);
  });

  it('says so when patches were dropped (the caller refetches instead)', () => {
    const log = new PatchLog(2);
    const start = log.position;
    for (let i = 0; i < 3; i++) log.record({ type: 'containers.remove', hostId: 'h1', ids: [] });
    assert.equal(log.since(start), null);
    assert.equal(log.since(log.position)?.length, 0);
  });
});
