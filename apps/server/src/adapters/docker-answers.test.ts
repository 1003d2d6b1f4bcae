import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANSWER_CAPS, answerKind } from './docker-answers';

describe('answerKind', () => {
  it('names each buffered endpoint and picks its cap', () => {
    const id = 'a'.repeat(64);
    assert.deepEqual(answerKind('GET', '/containers/json?'), { kind: 'list', what: 'list containers' });
    assert.deepEqual(answerKind('GET', `/v1.47/containers/${id}/json`), {
      kind: 'inspect',
      what: 'inspect container',
    });
    assert.equal(answerKind('GET', `/containers/web/stats?`).kind, 'stats');
    assert.equal(answerKind('GET', `/containers/${id}/logs?`).kind, 'logs');
    assert.deepEqual(answerKind('GET', '/_ping'), { kind: 'engine', what: 'ping' });
    assert.deepEqual(answerKind('GET', '/version'), { kind: 'engine', what: 'version' });
    assert.deepEqual(answerKind('POST', `/containers/${id}/start`), {
      kind: 'other',
      what: 'POST /containers/…/start',
    });
    assert.ok(ANSWER_CAPS.error < ANSWER_CAPS.stats);
  });
});
