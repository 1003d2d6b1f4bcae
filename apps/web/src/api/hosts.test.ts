import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Host } from '@airlock/contract/hosts';
import { mergeHost, mergeHostList } from './hosts';

const host = (state: Host['status']['state'], since: string, label = 'edge'): Host => ({
  id: 'h1',
  kind: 'ssh',
  label,
  protected: false,
  status: { state, reason: state === 'unreachable' ? 'Host key mismatch' : '', since },
  containerCount: state === 'connected' ? 3 : 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  local: null,
  ssh: null,
  agent: null,
});

describe('mergeHost', () => {
  it('keeps the later snapshot when an older copy arrives last (status and presented key)', () => {
    const streamed = host('unreachable', '2026-01-01T00:00:02.000Z');
    streamed.ssh = {
      host: '10.0.0.5',
      port: 22,
      username: 'ops',
      socketPath: '/var/run/docker.sock',
      auth: 'key',
      hostKeyFingerprint: 'SHA256:pinned',
      presentedFingerprint: 'SHA256:presented',
      jump: null,
    };
    const lateAnswer = {
      ...host('pending', '2026-01-01T00:00:01.000Z'),
      ssh: { ...streamed.ssh, presentedFingerprint: null },
    };
    const merged = mergeHost(streamed, lateAnswer);
    assert.equal(merged.status.state, 'unreachable');
    assert.equal(merged.ssh?.presentedFingerprint, 'SHA256:presented');
  });
  it('takes a newer status', () => {
    const merged = mergeHost(
      host('pending', '2026-01-01T00:00:01.000Z'),
      host('connected', '2026-01-01T00:00:03.000Z'),
    );
    assert.equal(merged.status.state, 'connected');
    assert.equal(merged.containerCount, 3);
  });
  it('takes the incoming copy when there is none cached', () => {
    assert.equal(mergeHost(undefined, host('pending', '2026-01-01T00:00:01.000Z')).status.state, 'pending');
  });

  it('a late refetch keeps newer statuses, and the server decides which hosts exist', () => {
    const cached = {
      items: [
        host('connected', '2026-01-01T00:00:05.000Z'),
        { ...host('pending', '2026-01-01T00:00:01.000Z'), id: 'gone' },
      ],
    };
    const refetched = { items: [host('pending', '2026-01-01T00:00:01.000Z')] };
    const merged = mergeHostList(cached, refetched);
    assert.deepEqual(
      merged.items.map((h) => `${h.id}:${h.status.state}`),
      ['h1:connected'],
    );
  });
});
