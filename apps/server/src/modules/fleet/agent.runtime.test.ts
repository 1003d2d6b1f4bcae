import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerDetail } from '@airlock/contract/fleet';
import { fakeInspect, fakeReport } from '../../../../../test/fixtures/docker-report';
import { AgentRuntime } from './agent.runtime';
import type { RuntimeSink } from './host.runtime';
import { parseReport } from './ingest.parse';

type Call =
  | { kind: 'upserted'; names: string[] }
  | { kind: 'removed'; ids: string[] }
  | { kind: 'replaced' }
  | { kind: 'status' };

function recordingSink(): { sink: RuntimeSink; calls: Call[] } {
  const calls: Call[] = [];
  const names = (items: ContainerDetail[]) => items.map((c) => c.name);
  return {
    calls,
    sink: {
      upserted: (_h, items) => calls.push({ kind: 'upserted', names: names(items) }),
      removed: (_h, ids) => calls.push({ kind: 'removed', ids }),
      replaced: () => calls.push({ kind: 'replaced' }),
      statusChanged: () => calls.push({ kind: 'status' }),
    },
  };
}

const report = (body: Record<string, unknown>) => parseReport('h1', body);

describe('AgentRuntime.apply: a push report is applied as changes', () => {
  it('publishes only the containers that changed and the ones that went away', () => {
    const { sink, calls } = recordingSink();
    const rt = new AgentRuntime('h1', sink, 30);
    const first = fakeReport(3, 'edge');
    rt.apply(report(first), new Date().toISOString());
    assert.deepEqual(calls, [{ kind: 'upserted', names: ['svc-0', 'svc-1', 'svc-2'] }, { kind: 'status' }]);
    assert.equal(rt.status.state, 'connected');

    // The same containers again (a fresh parse, so new objects): nothing to publish but the host
    // itself, whose lastReportAt moved.
    calls.length = 0;
    const at = new Date(Date.now() + 30_000).toISOString();
    rt.apply(report(fakeReport(3, 'edge')), at);
    assert.deepEqual(calls, [{ kind: 'status' }]);
    assert.equal(rt.lastReportAt, at);
    assert.equal(rt.containers.size, 3);

    // svc-1 exits, svc-2 is gone: one upsert, one remove; its stats go with it.
    calls.length = 0;
    const next = fakeReport(3, 'edge');
    const inspect = next.inspect as Record<string, unknown>[];
    inspect[1] = fakeInspect({ name: 'svc-1', state: 'exited', exitCode: 3 }, 'edge');
    const goneId = inspect[2]!.Id as string;
    next.inspect = inspect.slice(0, 2);
    assert.ok(rt.stats.has(goneId));
    rt.apply(report(next), new Date().toISOString());
    assert.deepEqual(calls, [
      { kind: 'upserted', names: ['svc-1'] },
      { kind: 'removed', ids: [goneId] },
      { kind: 'status' },
    ]);
    assert.equal(rt.find('svc-1')?.status, 'red');
    assert.equal(rt.summaries.get(inspect[1].Id as string)?.state, 'exited');
    assert.equal(rt.containers.has(goneId), false);
    assert.equal(rt.stats.has(goneId), false);
  });

  it('a stopped runtime (host removed) takes no report', () => {
    const { sink, calls } = recordingSink();
    const rt = new AgentRuntime('h1', sink, 30);
    rt.stop();
    rt.apply(report(fakeReport(2, 'edge')), new Date().toISOString());
    assert.deepEqual(calls, []);
    assert.equal(rt.containers.size, 0);
  });
});
