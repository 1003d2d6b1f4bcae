import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Core, encodedForms, longestForm } from './encodings';
import { prng, randBytes, randInt, randSecret } from './test-helpers';

const formsOf = (s: string) => new Map(encodedForms(s).map((f) => [f.form, f.bytes.toString('latin1')]));

void describe('encodedForms', () => {
  void it('lists raw, hex and the percent/form encodings as the standard encoders produce them', () => {
    const secret = "s3cr3t p@ss/wörd!'(~)";
    const f = formsOf(secret);
    assert.equal(f.get('raw'), Buffer.from(secret).toString('latin1'));
    assert.equal(f.get('hex'), Buffer.from(secret).toString('hex'));
    assert.equal(f.get('HEX'), Buffer.from(secret).toString('hex').toUpperCase());
    assert.equal(f.get('url'), encodeURIComponent(secret));
    assert.equal(
      f.get('url-lower'),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    );
    assert.equal(f.get('form'), encodeURIComponent(secret).replace(/%20/g, '+'));
    assert.equal(f.get('form-strict'), new URLSearchParams({ k: secret }).toString().slice(2));
    const every = [...Buffer.from(secret)].map((b) => '%' + b.toString(16).padStart(2, '0'));
    assert.equal(f.get('url-all'), every.join('').toUpperCase());
    assert.equal(f.get('url-all-lower'), every.join(''));
  });

  void it('lists each byte string once, under the first form that produced it', () => {
    // No a-f in the hex of digits, and nothing to escape: hex = HEX and url = raw.
    const forms = encodedForms('12345678');
    const names = forms.map((f) => f.form);
    assert.ok(names.includes('hex') && !names.includes('HEX'), names.join());
    assert.ok(names.includes('raw') && !names.includes('url') && !names.includes('form-strict'));
    const keys = forms.map((f) => f.bytes.toString('latin1'));
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(!names.includes('form'), 'form only matters when the secret has a space');
  });

  void it('has no forms for an empty secret and skips base64 cores too short to mean anything', () => {
    assert.deepEqual(encodedForms(''), []);
    const names = encodedForms('ab').map((f) => f.form);
    assert.ok(!names.some((n) => n.startsWith('base64')), names.join());
    assert.equal(longestForm([]), 0);
    assert.equal(longestForm(['', 'abcd', 'abcdefgh']), 3 * 8);
  });

  void it('finds a secret in base64 of any surrounding bytes, at every alignment', () => {
    const rand = prng(1);
    for (let iter = 0; iter < 200; iter++) {
      const secret = randSecret(rand);
      const raw = Buffer.from(secret);
      const listed = new Set(encodedForms(secret).map((f) => f.bytes.toString()));
      for (const alphabet of ['base64', 'base64url'] as const) {
        // base64url cores without '+' or '/' are the base64 ones and are listed once, so look by bytes.
        const cores = [0, 1, 2].map((k) => base64Core(raw, k, alphabet));
        for (const c of cores) {
          assert.ok(listed.has(c), `${alphabet} core ${c} of ${JSON.stringify(secret)} not listed`);
          assert.ok(c.length >= 8, `core ${c} of ${raw.length} bytes`);
        }
        const prefix = randBytes(rand, randInt(rand, 0, 5));
        const suffix = randBytes(rand, randInt(rand, 0, 5));
        const whole = Buffer.concat([prefix, raw, suffix]).toString(alphabet);
        const k = prefix.length % 3;
        // The core for the secret's own alignment must be there, not just any of the three.
        assert.ok(
          whole.includes(cores[k]!),
          `${alphabet}: ${whole} lacks the @${k} core of ${JSON.stringify(secret)}`,
        );
        assert.ok(cores.some((c) => whole.includes(c)));
      }
    }
  });

  void it('takes every character whose bits come from the secret alone', () => {
    // 8 bytes at alignment 0: 64 bits = 10 whole characters (60 bits) + 4 bits shared with what follows.
    const raw = Buffer.from('ABCDEFGH');
    assert.equal(base64Core(raw, 0, 'base64'), raw.toString('base64').slice(0, 10));
    // At alignment 1 the first 2 characters cover the prefix byte; 72 bits total = 12 characters.
    assert.equal(base64Core(raw, 1, 'base64').length, 10);
    // At alignment 2 the prefix's 16 bits cover 2 characters and 4 bits of the third.
    const shifted = Buffer.concat([Buffer.from([0xff, 0xff]), raw]).toString('base64');
    assert.equal(base64Core(raw, 2, 'base64'), shifted.slice(3, 13));
  });
});
