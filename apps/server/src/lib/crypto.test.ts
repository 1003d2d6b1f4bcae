import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, randomToken, safeEqual, verifyPassword } from './crypto';

describe('password hashing', () => {
  it('round-trips, rejects wrong passwords, and salts every hash', async () => {
    const h = await hashPassword('correct-horse-battery');
    assert.match(h, /^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
    assert.equal(await verifyPassword('correct-horse-battery', h), true);
    assert.equal(await verifyPassword('correct-horse-batterY', h), false);
    assert.equal(await verifyPassword('', h), false);
    assert.notEqual(await hashPassword('correct-horse-battery'), h);
  });

  it('normalizes Unicode so the same password typed differently still matches', async () => {
    const h = await hashPassword('caf\u00e9-password-1');
    assert.equal(await verifyPassword('cafe\u0301-password-1', h), true);
  });

  it('treats malformed stored hashes as a mismatch', async () => {
    assert.equal(await verifyPassword('x', ''), false);
    assert.equal(await verifyPassword('x', 'bcrypt$1$2$3$4$5'), false);
  });
});

describe('safeEqual and randomToken', () => {
  it('compares exactly', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('', ''), true);
  });
  it('makes distinct URL-safe tokens', () => {
    const a = randomToken(24);
    assert.match(a, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(a, randomToken(24));
  });
});
