import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerDetail, ContainerEvent } from '@airlock/contract/fleet';
import { EngineAnswerTooLarge } from '../../lib/adapter-errors';
import type { Engine } from './engine.port';
import { UpstreamError } from '../../lib/errors';
import { fakeInspect } from '../../../../../test/fixtures/docker-report';
import { EngineRuntime, type EngineTiming } from './engine.runtime';
import type { RuntimeSink } from './host.runtime';
import { InspectSchema, inspectToDetail } from './inspect';

const timing: EngineTiming = {
  heartbeatMs: 20,
  pingTimeoutMs: 40,
  failuresBeforeUnreachable: 2,
  slowMs: 1_000,
  resyncMs: 60_000,
  minBackoffMs: 10_000,
  maxBackoffMs: 10_000,
};

/** An engine whose ping answers or hangs on demand; events stay open until aborted. */
function fakeEngine() {
  const state = {
    hang: 0 as number,
    pings: 0,
    /** The next lists answer too much (the adapter tells its listener, then throws). */
    listTooLarge: 0 as number,
    tooLarge: null as ((err: EngineAnswerTooLarge) => void) | null,
  };
  const engine = {
    onAnswerTooLarge: (cb: (err: EngineAnswerTooLarge) => void) => {
      state.tooLarge = cb;
    },
    ping: async (timeoutMs: number) => {
      state.pings++;
      if (state.hang > 0) {
        state.hang--;
        await new Promise((r) => setTimeout(r, timeoutMs));
        throw new UpstreamError('docker@fake', 'did not answer "ping"', { timeout: true });
      }
    },
    events: (signal: AbortSignal): Promise<AsyncIterable<ContainerEvent>> =>
      Promise.resolve({
        [Symbol.asyncIterator]: () => ({
          next: () =>
            new Promise<IteratorResult<ContainerEvent>>((resolve) =>
              signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), {
                once: true,
              }),
            ),
        }),
      }),
    list: () => {
      if (state.listTooLarge > 0) {
        state.listTooLarge--;
        const err = new EngineAnswerTooLarge('docker@fake', 'list containers', 32 * 1024 * 1024, false);
        state.tooLarge?.(err);
        return Promise.reject(err);
      }
      return Promise.resolve([] as ContainerDetail[]);
    },
  };
  return { state, engine: engine as unknown as Engine };
}

/** Records every status the runtime passes through (a state can last less than a poll interval). */
function recorder(): { sink: RuntimeSink; seen: string[]; bind(rt: EngineRuntime): void } {
  const seen: string[] = [];
  let rt: EngineRuntime | null = null;
  return {
    seen,
    bind: (r) => (rt = r),
    sink: {
      replaced: () => undefined,
      upserted: () => undefined,
      removed: () => undefined,
      statusChanged: () => {
        if (rt) seen.push(`${rt.status.state}: ${rt.status.reason}`);
      },
    },
  };
}

const until = async (what: string, ok: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

function runtime(
  f: ReturnType<typeof fakeEngine>,
  r: ReturnType<typeof recorder>,
  t: EngineTiming = timing,
): EngineRuntime {
  const connect = () => Promise.resolve({ engine: f.engine, close: () => undefined });
  const rt = new EngineRuntime('h', r.sink, connect, t, () => undefined);
  r.bind(rt);
  rt.start();
  return rt;
}

describe('engine heartbeat', () => {
  it('one missed health check is degraded; the next good one restores connected', async () => {
    const f = fakeEngine();
    const r = recorder();
    const rt = runtime(f, r);
    try {
      await until('connected', () => rt.status.state === 'connected');
      r.seen.length = 0;
      f.state.hang = 1;
      await until('degraded, then connected again', () => r.seen.length >= 2);
      assert.match(r.seen[0] ?? '', /^degraded: The engine did not answer a health check/);
      assert.match(r.seen[1] ?? '', /^connected/);
      // A single missed check never makes the host unreachable.
      await new Promise((res) => setTimeout(res, 100));
      assert.ok(!r.seen.some((x) => x.startsWith('unreachable')), r.seen.join('\n'));
    } finally {
      rt.stop();
    }
  });

  it('two missed health checks in a row make the host unreachable, with the reason', async () => {
    const f = fakeEngine();
    const r = recorder();
    const rt = runtime(f, r);
    try {
      await until('connected', () => rt.status.state === 'connected');
      f.state.hang = 2;
      await until('unreachable', () => rt.status.state === 'unreachable');
      assert.match(rt.status.reason, /stopped answering/);
    } finally {
      rt.stop();
    }
  });

  it('an operator reconnect connects again at once, not after the failure backoff', async () => {
    // The fixture's backoff is 10 s; `until` gives up after 2 s.
    const f = fakeEngine();
    const r = recorder();
    const rt = runtime(f, r);
    try {
      await until('connected', () => rt.status.state === 'connected');
      r.seen.length = 0;
      rt.reconnect();
      await until('connected again', () => r.seen.some((x) => x.startsWith('connected')));
      assert.match(r.seen[0] ?? '', /^pending: Reconnecting/);
      assert.ok(!r.seen.some((x) => x.startsWith('unreachable')), r.seen.join('\n'));
    } finally {
      rt.stop();
    }
  });
});

describe('engine refresh', () => {
  /** Connected runtime whose engine answers inspect with a fresh parse of `current` each time. */
  async function connected(current: { state: 'running' | 'paused' }) {
    const f = fakeEngine();
    const upserts: string[][] = [];
    const read = () =>
      inspectToDetail('h', InspectSchema.parse(fakeInspect({ name: 'web', state: current.state })));
    Object.assign(f.engine, { inspect: () => Promise.resolve(read()) });
    const sink: RuntimeSink = {
      replaced: () => undefined,
      upserted: (_h, items) => upserts.push(items.map((c) => c.state)),
      removed: () => undefined,
      statusChanged: () => undefined,
    };
    const connect = () => Promise.resolve({ engine: f.engine, close: () => undefined });
    const rt = new EngineRuntime('h', sink, connect, timing, () => undefined);
    rt.start();
    await until('connected', () => rt.status.state === 'connected');
    return { rt, upserts, id: read().id };
  }

  it('a re-read that finds nothing new publishes nothing (a detail request is not a change)', async () => {
    const current: { state: 'running' | 'paused' } = { state: 'running' };
    const { rt, upserts, id } = await connected(current);
    try {
      await rt.refresh(id);
      assert.deepEqual(upserts, [['running']], 'the first read is news');
      for (let i = 0; i < 5; i++) await rt.refresh(id);
      assert.deepEqual(upserts, [['running']], 'the same container read again is not');
      current.state = 'paused';
      const d = await rt.refresh(id);
      assert.equal(d?.state, 'paused', 'the answer is the fresh read');
      assert.deepEqual(upserts, [['running'], ['paused']], 'a real change is published once');
    } finally {
      rt.stop();
    }
  });
});

describe('an engine answer past its cap', () => {
  it('keeps the host connected but degraded with the reason, through good pings, until a list reads again', async () => {
    const f = fakeEngine();
    f.state.listTooLarge = 2;
    const r = recorder();
    const rt = runtime(f, r, { ...timing, resyncMs: 150 });
    try {
      await until('degraded', () => rt.status.state === 'degraded');
      assert.equal(
        rt.status.reason,
        "The engine's answer to list containers passed 32 MiB; Airlock stopped reading it.",
      );
      // Heartbeats (every 20 ms) answer well and must not clear it; the first resync fails again.
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(rt.status.state, 'degraded', r.seen.join('\n'));
      assert.ok(
        !r.seen.some((x) => x.startsWith('connected') || x.startsWith('unreachable')),
        r.seen.join('\n'),
      );
      await until('connected after a good resync', () => rt.status.state === 'connected');
    } finally {
      rt.stop();
    }
  });
});
