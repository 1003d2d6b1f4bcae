import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Vault, VaultError } from './vault';

const key = randomBytes(32);
const vault = new Vault(key);
const AAD = 'host:h1:sshKey';
const SECRET = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc ü\n-----END OPENSSH PRIVATE KEY-----\n';

/** Flips one bit in the decoded bytes of part `i` of a sealed value. */
function flip(sealed: string, i: number): string {
  const parts = sealed.split('.');
  const buf = Buffer.from(parts[i] ?? '', 'base64url');
  buf[0] = (buf[0] ?? 0) ^ 1;
  parts[i] = buf.toString('base64url');
  return parts.join('.');
}

const refused = (fn: () => unknown) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VaultError);
    assert.ok(!err.message.includes('abc'), 'plaintext must not appear in the error');
    return true;
  });

describe('Vault', () => {
  it('roundtrips, in the v1 format', () => {
    const sealed = vault.seal(SECRET, AAD);
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes('OPENSSH'));
    assert.equal(vault.open(sealed, AAD), SECRET);
    assert.equal(vault.open(vault.seal('', AAD), AAD), '');
  });

  it('uses a fresh IV for every seal', () => {
    const a = vault.seal(SECRET, AAD).split('.');
    const b = vault.seal(SECRET, AAD).split('.');
    assert.notEqual(a[1], b[1]);
    assert.notEqual(a[3], b[3]);
  });

  it('refuses a tampered IV, tag or ciphertext', () => {
    const sealed = vault.seal(SECRET, AAD);
    for (const i of [1, 2, 3]) refused(() => vault.open(flip(sealed, i), AAD));
  });

  it('refuses a value bound to another record', () => {
    const sealed = vault.seal(SECRET, AAD);
    assert.throws(() => vault.open(sealed, 'host:h2:sshKey'), /another record/);
  });

  it('refuses a value sealed under another master key', () => {
    const sealed = new Vault(randomBytes(32)).seal(SECRET, AAD);
    refused(() => vault.open(sealed, AAD));
    assert.equal(new Vault(Buffer.from(key)).open(vault.seal(SECRET, AAD), AAD), SECRET);
  });

  it('refuses unknown versions and malformed values', () => {
    const sealed = vault.seal(SECRET, AAD);
    assert.throws(() => vault.open(sealed.replace(/^v1/, 'v2'), AAD), /unknown vault format "v2"/);
    refused(() => vault.open(sealed.split('.').slice(0, 3).join('.'), AAD));
    refused(() => vault.open(`${sealed}.x`, AAD));
    refused(() => vault.open(sealed.replace(/\.[^.]+\./, '.AAAA.'), AAD));
    refused(() => vault.open('', AAD));
  });

  it('refuses a master key that is not 32 bytes and an empty aad', () => {
    assert.throws(() => new Vault(randomBytes(16)), /32 bytes/);
    assert.throws(() => vault.seal(SECRET, ''), /bound to a record/);
  });
});
