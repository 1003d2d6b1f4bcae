import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimited } from '../../lib/errors';
import { IngestGate } from './ingest.gate';

describe('IngestGate', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('admits one report per half interval per host, and says when to retry', () => {
    const c = clock();
    const gate = new IngestGate({ now: c.now });
    gate.admit('a', 30)();
    c.advance(10_000);
    assert.throws(
      () => gate.admit('a', 30),
      (e: unknown) =>
        e instanceof RateLimited &&
        e.status === 429 &&
        e.retryAfterSeconds === 5 &&
        /interval is 30 s/.test(e.message),
    );
    c.advance(5_000);
    gate.admit('a', 30)();
  });

  it('keeps hosts apart: one host refused does not slow another', () => {
    const c = clock();
    const gate = new IngestGate({ now: c.now });
    gate.admit('a', 30)();
    assert.throws(() => gate.admit('a', 30), RateLimited);
    gate.admit('b', 30)();
  });

  it('a rotated token starts a fresh interval; the in-flight slot stays per host', () => {
    const c = clock();
    const gate = new IngestGate({ now: c.now });
    gate.admit('a', 30, 'old')();
    c.advance(4_000);
    assert.throws(() => gate.admit('a', 30, 'old'), RateLimited);
    const release = gate.admit('a', 30, 'new');
    assert.throws(() => gate.admit('a', 30, 'other'), /still being received/);
    release();
    assert.throws(() => gate.admit('a', 30, 'new'), RateLimited);
  });

  it('refuses a second report while one is in flight, until it is released (once)', () => {
    const gate = new IngestGate({ spacing: 0 });
    const release = gate.admit('a', 30);
    assert.throws(() => gate.admit('a', 30), /still being received/);
    release();
    release();
    const again = gate.admit('a', 30);
    assert.throws(() => gate.admit('a', 30), /still being received/);
    again();
  });
});
