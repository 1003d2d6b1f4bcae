/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatDuration, uptimeOf } from './format';

void describe('formatDuration', () => {
  void it('uses the two largest units', () => {
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(12 * 60_000 + 3_000), '12m 3s');
    assert.equal(formatDuration(5 * 3_600_000 + 2 * 60_000 + 59_000), '5h 2m');
    assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3d 4h');
    assert.equal(formatDuration(-5_000), '0s', 'clock skew never shows a negative uptime');
  });
});

void describe('uptimeOf', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  void it('is the time since start for running and paused containers only', () => {
    assert.equal(uptimeOf({ state: 'running', startedAt: '2026-01-01T00:00:00Z' }, now), '1h 0m');
    assert.equal(uptimeOf({ state: 'paused', startedAt: '2026-01-01T00:59:30Z' }, now), '30s');
    assert.equal(uptimeOf({ state: 'exited', startedAt: '2026-01-01T00:00:00Z' }, now), null);
    assert.equal(uptimeOf({ state: 'running', startedAt: null }, now), null);
  });
});

void describe('formatBytes', () => {
  void it('uses binary units', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(null), '—');
  });
});
