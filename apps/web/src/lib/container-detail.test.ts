/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerDetail, ContainerSummary } from '@airlock/contract/fleet';
import { mergeSummary } from './container-detail';

const row: ContainerSummary = {
  hostId: 'h',
  id: 'a'.repeat(64),
  name: 'web',
  image: 'nginx',
  state: 'running',
  health: 'none',
  status: 'green',
  statusReason: 'running',
  exitCode: 0,
  oomKilled: false,
  restartCount: 0,
  startedAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  labels: { tier: 'web', app: 'x' },
  ports: [{ privatePort: 80, publicPort: 8080, ip: '127.0.0.1', type: 'tcp' }],
};
const detail: ContainerDetail = {
  ...row,
  error: '',
  finishedAt: null,
  pid: 42,
  healthLog: [],
  failingStreak: 0,
  restartPolicy: 'no',
  mounts: [],
  networks: [],
  env: [],
  cmd: ['sleep', 'infinity'],
  entrypoint: [],
  tty: false,
};

void describe('mergeSummary', () => {
  void it('a row that repeats what the view shows is no change (new objects, other key order)', () => {
    const again = JSON.parse(JSON.stringify(row)) as ContainerSummary;
    again.labels = { app: 'x', tier: 'web' };
    assert.equal(mergeSummary(detail, again), null);
  });

  void it('a changed row is merged, keeping the fields only the detail carries', () => {
    const merged = mergeSummary(detail, { ...row, state: 'paused', status: 'amber', statusReason: 'paused' });
    assert.ok(merged);
    assert.equal(merged.state, 'paused');
    assert.equal(merged.pid, 42);
    assert.deepEqual(merged.cmd, ['sleep', 'infinity']);
  });

  void it('a change deep inside a row counts', () => {
    const ports = [{ ...row.ports[0]!, publicPort: 8081 }];
    assert.ok(mergeSummary(detail, { ...row, ports }));
    assert.ok(mergeSummary(detail, { ...row, labels: { tier: 'web' } }));
  });
});
