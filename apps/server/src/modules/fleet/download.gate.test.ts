import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimited } from '../../lib/errors';
import { DownloadGate } from './download.gate';

describe('DownloadGate', () => {
  it('admits two downloads per user; the third is refused with Retry-After 5', () => {
    const gate = new DownloadGate();
    gate.admit('u');
    gate.admit('u');
    assert.throws(
      () => gate.admit('u'),
      (e: unknown) =>
        e instanceof RateLimited &&
        e.status === 429 &&
        e.retryAfterSeconds === 5 &&
        /at most 2 at once/.test(e.message),
    );
    assert.equal(gate.running('u'), 2);
  });

  it('keeps users apart: one user at the cap does not hold back another', () => {
    const gate = new DownloadGate();
    gate.admit('u');
    gate.admit('u');
    assert.throws(() => gate.admit('u'), RateLimited);
    gate.admit('v');
    gate.admit('v');
    assert.equal(gate.running('v'), 2);
  });

  it('a released slot admits the next download; releasing twice frees only one slot', () => {
    const gate = new DownloadGate();
    const first = gate.admit('u');
    gate.admit('u');
    first();
    first();
    assert.equal(gate.running('u'), 1);
    gate.admit('u');
    assert.throws(() => gate.admit('u'), RateLimited);
  });

  it('takes its limit and retry hint from options', () => {
    const gate = new DownloadGate({ perUser: 1, retryAfterSeconds: 9 });
    const release = gate.admit('u');
    assert.throws(
      () => gate.admit('u'),
      (e: unknown) => e instanceof RateLimited && e.retryAfterSeconds === 9,
    );
    release();
    assert.equal(gate.running('u'), 0);
    gate.admit('u');
  });
});
