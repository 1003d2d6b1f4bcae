import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoginLimiter } from './login-limiter';

const opts = { maxFailuresPerAccount: 3, maxFailuresPerAddress: 5, windowMinutes: 10, lockoutMinutes: 15 };
const MIN = 60_000;

function limiter() {
  const clock = { t: 1_000_000 };
  return { l: new LoginLimiter(opts, () => clock.t), clock };
}

describe('LoginLimiter', () => {
  it('locks an account after the limit, for the lockout time, case-insensitively', () => {
    const { l, clock } = limiter();
    l.fail('Alice', '10.0.0.1');
    l.fail('alice', '10.0.0.2');
    assert.equal(l.retryAfter('alice', '10.0.0.9'), 0);
    l.fail('ALICE', '10.0.0.3');
    assert.equal(l.retryAfter('alice', '10.0.0.9'), 15 * MIN);
    clock.t += 15 * MIN - 1;
    assert.equal(l.retryAfter('alice', '10.0.0.9'), 1);
    clock.t += 1;
    assert.equal(l.retryAfter('alice', '10.0.0.9'), 0);
    assert.equal(l.retryAfter('bob', '10.0.0.9'), 0);
  });

  it('forgets failures older than the window', () => {
    const { l, clock } = limiter();
    l.fail('a', 'ip');
    l.fail('a', 'ip');
    clock.t += 10 * MIN;
    l.fail('a', 'ip');
    assert.equal(l.retryAfter('a', 'ip'), 0);
  });

  it('success clears the account count but not the address count', () => {
    const { l } = limiter();
    l.fail('a', 'ip');
    l.fail('a', 'ip');
    l.succeed('a');
    l.fail('a', 'ip');
    assert.equal(l.retryAfter('a', 'other'), 0);
    l.fail('b', 'ip');
    l.fail('c', 'ip');
    assert.equal(l.retryAfter('zed', 'ip'), 15 * MIN, 'five failures from one address lock it');
    assert.equal(l.retryAfter('zed', 'elsewhere'), 0);
  });
});
