import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoginLimiter, addressKey, type Admission, type LimiterOptions } from './login-limiter';

const opts: LimiterOptions = {
  maxFailuresPerAccount: 3,
  maxFailuresPerAddress: 5,
  windowMinutes: 10,
  lockoutMinutes: 15,
  maxDelaySeconds: 3,
};
const MIN = 60_000;

function limiter(extra: Partial<LimiterOptions> = {}) {
  const clock = { t: 1_000_000 };
  return { l: new LoginLimiter({ ...opts, ...extra }, () => clock.t), clock };
}

function admitted(a: Admission) {
  assert.ok(a.ok, `expected admission, got a wait of ${a.ok ? 0 : a.retryAfterMs} ms`);
  return a.attempt;
}

/** One wrong password; returns whether it locked something. */
const fail = (l: LoginLimiter, account: string, ip: string) => admitted(l.admit(account, ip)).failed();
const waitOf = (a: Admission) => (a.ok ? 0 : a.retryAfterMs);

describe('LoginLimiter', () => {
  it('locks an account at one address only, case-insensitively, for the lockout time', () => {
    const { l, clock } = limiter();
    assert.equal(fail(l, 'Alice', '10.0.0.1'), false);
    assert.equal(fail(l, 'alice', '10.0.0.1'), false);
    assert.equal(fail(l, 'ALICE', '10.0.0.1'), true, 'the third failure locks the pair');
    assert.equal(waitOf(l.admit('alice', '10.0.0.1')), 15 * MIN);
    // The owner elsewhere is not refused; another account at the locked address neither.
    const owner = admitted(l.admit('alice', '10.0.0.9'));
    owner.succeeded();
    admitted(l.admit('bob', '10.0.0.1')).succeeded();
    clock.t += 15 * MIN - 1;
    assert.equal(waitOf(l.admit('alice', '10.0.0.1')), 1);
    clock.t += 1;
    admitted(l.admit('alice', '10.0.0.1')).succeeded();
  });

  it('refused attempts are not counted, so hammering does not renew a lockout', () => {
    const { l, clock } = limiter();
    for (let i = 0; i < 3; i++) fail(l, 'a', 'ip');
    for (let i = 0; i < 100; i++) {
      clock.t += 1000;
      assert.ok(!l.admit('a', 'ip').ok);
    }
    clock.t = 1_000_000 + 15 * MIN;
    admitted(l.admit('a', 'ip'));
  });

  it('forgets failures older than the window', () => {
    const { l, clock } = limiter();
    fail(l, 'a', 'ip');
    fail(l, 'a', 'ip');
    clock.t += 10 * MIN;
    assert.equal(fail(l, 'a', 'ip'), false);
    admitted(l.admit('a', 'ip'));
  });

  it('counts an admitted attempt at once, so parallel guesses cannot all pass the limit', () => {
    const { l } = limiter();
    const inFlight = [l.admit('a', 'ip'), l.admit('a', 'ip'), l.admit('a', 'ip'), l.admit('a', 'ip')];
    assert.deepEqual(
      inFlight.map((a) => a.ok),
      [true, true, true, false],
    );
  });

  it('a right password clears the pair and takes back its own count', () => {
    const { l } = limiter();
    fail(l, 'a', 'ip');
    fail(l, 'a', 'ip');
    admitted(l.admit('a', 'ip')).succeeded();
    // Two more failures are not enough to lock: the count started over.
    fail(l, 'a', 'ip');
    assert.equal(fail(l, 'a', 'ip'), false);
    admitted(l.admit('a', 'ip'));
  });

  it('locks an address across accounts (spraying), and only that address', () => {
    const { l } = limiter();
    for (const name of ['b', 'c', 'd', 'e']) fail(l, name, 'ip');
    assert.equal(fail(l, 'f', 'ip'), true, 'five failures from one address lock it');
    assert.equal(waitOf(l.admit('zed', 'ip')), 15 * MIN);
    admitted(l.admit('zed', 'elsewhere'));
  });

  it('a success at a spraying address does not excuse its other failures', () => {
    const { l } = limiter();
    for (const name of ['b', 'c', 'd']) fail(l, name, 'ip');
    admitted(l.admit('owner', 'ip')).succeeded();
    fail(l, 'e', 'ip');
    assert.equal(fail(l, 'f', 'ip'), true);
    // The right password on the attempt that would have locked it unlocks it again, minus itself.
    const { l: l2 } = limiter();
    for (const name of ['b', 'c', 'd', 'e']) fail(l2, name, 'ip');
    admitted(l2.admit('owner', 'ip')).succeeded();
    admitted(l2.admit('x', 'ip')).failed();
    assert.ok(!l2.admit('y', 'ip').ok, 'the four earlier failures still count');
  });

  it('failures from many addresses only slow the account, by a doubling delay capped at maxDelaySeconds', () => {
    const { l, clock } = limiter();
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      const a = admitted(l.admit('admin', `10.0.1.${i}`));
      delays.push(a.delayMs);
      a.failed();
      clock.t += 1000;
    }
    assert.deepEqual(delays, [0, 0, 0, 250, 500, 1000, 2000, 3000, 3000, 3000, 3000, 3000]);
    // The owner from a clean address is admitted (never refused) and waits at most the cap.
    const owner = admitted(l.admit('admin', '192.0.2.7'));
    assert.equal(owner.delayMs, 3000);
    owner.succeeded();
    assert.equal(admitted(l.admit('admin', '10.0.1.99')).delayMs, 0, 'a success ends the pressure');
  });

  it('an attacker at other addresses cannot keep the owner out of the account for ever', () => {
    const { l, clock } = limiter();
    // Fifty attacker addresses, each failing until its pair locks, over and over for an hour.
    for (let round = 0; round < 4; round++) {
      for (let a = 0; a < 50; a++) for (let i = 0; i < 3; i++) l.admit('admin', `10.1.${a}.${round}`);
      clock.t += 15 * MIN;
      const owner = l.admit('admin', '192.0.2.7');
      assert.ok(owner.ok, 'the owner is never refused');
      assert.ok(owner.attempt.delayMs <= 3000);
      owner.attempt.failed(); // a typo; still not locked out
    }
  });

  it('counts IPv6 by /64 and IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(addressKey('10.0.0.1'), '10.0.0.1');
    const { l } = limiter();
    for (let i = 1; i <= 3; i++) fail(l, 'a', `2001:db8:1:2::${i}`);
    assert.ok(!l.admit('a', '2001:db8:1:2:ffff::9').ok, 'a fresh address in the same /64 is still locked');
    admitted(l.admit('a', '2001:db8:1:3::1'));
  });

  it('clear forgets the account at every address, but not address-wide locks', () => {
    const { l } = limiter();
    for (let i = 0; i < 3; i++) fail(l, 'admin', '10.0.0.1');
    for (let i = 0; i < 3; i++) fail(l, 'admin', '10.0.0.2');
    fail(l, 'admin', '10.0.0.3');
    for (const name of ['a', 'b', 'c', 'd', 'e']) fail(l, name, '10.0.0.4');
    assert.deepEqual(l.clear('Admin'), { lockedAddresses: 2, failures: 7 });
    assert.equal(admitted(l.admit('admin', '10.0.0.1')).delayMs, 0);
    admitted(l.admit('admin', '10.0.0.2'));
    assert.ok(!l.admit('admin', '10.0.0.4').ok, 'the spraying address stays locked');
    assert.deepEqual(l.clear('nobody'), { lockedAddresses: 0, failures: 0 });
  });

  it('keeps memory bounded under a flood of names and addresses, keeping fresh locks', () => {
    const { l, clock } = limiter({ maxEntries: 1000 });
    for (let i = 0; i < 20_000; i++) {
      l.admit(`user${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      clock.t += 1;
    }
    assert.ok(l.size <= 1000, `size ${l.size}`);
    for (let i = 0; i < 3; i++) fail(l, 'admin', '192.0.2.1');
    assert.ok(!l.admit('admin', '192.0.2.1').ok);
    // Entries expire with the window and the lockout, so an idle limiter empties itself.
    clock.t += 16 * MIN;
    for (let i = 0; i < 1001; i++) l.admit(`late${i}`, '198.51.100.1');
    assert.ok(l.size < 1000, `size ${l.size}`);
  });

  it('an attempt is settled once', () => {
    const { l } = limiter();
    const a = admitted(l.admit('a', 'ip'));
    a.failed();
    assert.throws(() => a.succeeded(), /settled twice/);
  });
});
