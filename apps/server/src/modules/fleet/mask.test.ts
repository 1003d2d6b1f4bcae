import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MASK, isSecretName, looksLikeToken, maskEnv, maskValue } from './mask';

describe('mask', () => {
  it('masks values whose names look secret, in any case', () => {
    for (const name of [
      'API_TOKEN',
      'GITHUB_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'DB_PASSWORD',
      'PGPASS',
      'MYSQL_ROOT_PASSWD',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'BASIC_AUTH',
      'PRIVATE_KEY_PATH',
      'APIKEY',
      'api_key',
      'SESSION_ID',
      'COOKIE_SECRET',
      'x_auth_header',
      'client_secret',
    ]) {
      assert.ok(isSecretName(name), name);
      assert.deepEqual(maskValue(name, 'abc123'), { value: MASK, masked: true }, name);
    }
  });

  it('leaves ordinary names and values alone', () => {
    for (const [name, value] of [
      ['PATH', '/usr/local/bin:/usr/bin'],
      ['HOME', '/root'],
      ['LANG', 'C.UTF-8'],
      ['PORT', '8080'],
      ['NODE_ENV', 'production'],
      ['DATABASE_HOST', 'db.internal'],
      ['URL', 'https://example.com/a/b'],
      ['SKU', 'sk-1'],
      ['DESC', 'ask-me-anything'],
    ] as const) {
      assert.deepEqual(maskValue(name, value), { value, masked: false }, name);
    }
  });

  it('masks known token shapes under innocent names', () => {
    const shapes = [
      'ghp_' + 'a'.repeat(36),
      'gho_' + 'B1'.repeat(18),
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'sk-' + 'x'.repeat(40),
      'sk-ant-api03-' + 'Z9'.repeat(20),
      'xoxb-1234567890-abcdefghij',
      'xoxp-1234567890-abcdefghij',
      'AKIAIOSFODNN7EXAMPLE',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----',
      '-----BEGIN PRIVATE KEY-----',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
      'postgres://app:hunter2@db:5432/app',
      'glpat-' + 'a'.repeat(20),
      'AIza' + 'b'.repeat(35),
    ];
    for (const v of shapes) {
      assert.ok(looksLikeToken(v), v);
      assert.deepEqual(maskValue('SOMETHING', v), { value: MASK, masked: true }, v);
    }
  });

  it('maskEnv splits on the first "=" and masks the whole value', () => {
    assert.deepEqual(maskEnv(['API_TOKEN=abc123', 'A=b=c', 'EMPTY=', 'NOVALUE', 'X=ghp_' + '1'.repeat(36)]), [
      { name: 'API_TOKEN', value: MASK, masked: true },
      { name: 'A', value: 'b=c', masked: false },
      { name: 'EMPTY', value: '', masked: false },
      { name: 'NOVALUE', value: '', masked: false },
      { name: 'X', value: MASK, masked: true },
    ]);
  });

  it('never returns any part of a masked value', () => {
    const out = JSON.stringify(maskEnv(['DB_PASSWORD=s3cr3t-value', 'T=sk-' + 'q'.repeat(30)]));
    assert.ok(!out.includes('s3cr3t') && !out.includes('qqqq'), out);
  });

  // Values come from untrusted push reports and containers. Quadratic patterns took ~10 s on 100 KiB
  // (it once blocked the server for minutes); linear ones take milliseconds. The timeout fails a
  // regression instead of hanging the suite.
  it('scans huge hostile values in linear time', { timeout: 5_000 }, () => {
    for (const v of [
      'a'.repeat(200_000),
      'a:'.repeat(100_000),
      'x://' + 'a'.repeat(200_000),
      'eyJ' + 'a'.repeat(200_000),
    ]) {
      assert.equal(looksLikeToken(v), false);
    }
    assert.ok(looksLikeToken('postgres://app:hunter2@db:5432/app'));
    assert.ok(looksLikeToken('see ' + 'a'.repeat(100_000) + ' https://u:p@example.test'));
  });
});
