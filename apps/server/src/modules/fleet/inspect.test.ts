import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerTime } from './inspect';

describe('dockerTime', () => {
  it('normalises Docker times to ISO milliseconds and reads "never" as null', () => {
    assert.equal(dockerTime('2026-01-02T03:04:05.123456789Z'), '2026-01-02T03:04:05.123Z');
    assert.equal(dockerTime('2026-01-02T03:04:05.1Z'), '2026-01-02T03:04:05.100Z');
    assert.equal(dockerTime('2026-01-02T03:04:05Z'), '2026-01-02T03:04:05.000Z');
    assert.equal(dockerTime('2026-01-02T05:04:05.5+02:00'), '2026-01-02T03:04:05.500Z');
    assert.equal(dockerTime('0001-01-01T00:00:00Z'), null);
    assert.equal(dockerTime(''), null);
    assert.equal(dockerTime('yesterday'), null);
  });
});
