import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodedForms, longestForm } from './encodings';
import { SecretMatcher, type Secret } from './matcher';
import { occurrences, prng, randBytes, randInt, randSecret } from './test-helpers';

// Reference: the first match by end offset, then the longest there, by brute force over every form.
function naiveFirst(secrets: Secret[], buf: Buffer): { index: number; length: number } | null {
  let best: { index: number; length: number } | null = null;
  for (const { value } of secrets) {
    for (const { bytes } of encodedForms(value)) {
      const at = buf.indexOf(bytes);
      if (at < 0) continue;
      const end = at + bytes.length;
      const bestEnd = best ? best.index + best.length : Infinity;
      if (end < bestEnd || (end === bestEnd && bytes.length > best!.length)) {
        best = { index: at, length: bytes.length };
      }
    }
  }
  return best;
}

void describe('SecretMatcher', () => {
  void it('finds every encoded form embedded at a random offset in random bytes', () => {
    const rand = prng(2);
    for (let iter = 0; iter < 200; iter++) {
      const secrets = Array.from({ length: randInt(rand, 1, 4) }, (_, i) => ({
        name: `s${i}`,
        value: randSecret(rand),
      }));
      const matcher = new SecretMatcher(secrets);
      const target = secrets[randInt(rand, 0, secrets.length - 1)]!;
      for (const { form, bytes } of encodedForms(target.value)) {
        const before = randBytes(rand, randInt(rand, 0, 300));
        const buf = Buffer.concat([before, bytes, randBytes(rand, randInt(rand, 0, 300))]);
        const hit = matcher.find(buf);
        assert.ok(hit, `${form} of ${JSON.stringify(target.value)} not found`);
        assert.equal(hit.name, target.name, form);
        // Another form may end inside this one first (a base64 core of a shorter suffix, say), but
        // it must be a real occurrence within the embedded bytes.
        const reported = encodedForms(target.value).find((f) => f.form === hit.form)!;
        assert.ok(hit.index >= before.length && hit.index < before.length + bytes.length, form);
        assert.deepEqual(buf.subarray(hit.index, hit.index + reported.bytes.length), reported.bytes);
      }
    }
  });

  void it('agrees with brute force where matches overlap and share prefixes and suffixes', () => {
    const rand = prng(3);
    for (let iter = 0; iter < 300; iter++) {
      // A two-letter alphabet forces shared prefixes, failure links and patterns inside patterns.
      const secrets = Array.from({ length: randInt(rand, 1, 6) }, (_, i) => ({
        name: `s${i}`,
        value: randSecret(rand, 2, 7, 'ab'),
      }));
      const matcher = new SecretMatcher(secrets);
      const buf = Buffer.from(randSecret(rand, 0, 60, 'ab%6124YWJiFh'));
      const hit = matcher.find(buf);
      const want = naiveFirst(secrets, buf);
      if (!want) {
        assert.equal(hit, null, buf.toString());
        continue;
      }
      assert.ok(hit, buf.toString());
      const p = matcher.patterns.find((q) => q.name === hit.name && q.form === hit.form)!;
      assert.deepEqual({ index: hit.index, length: p.length }, want, buf.toString());
    }
  });

  void it('enumerates every pattern ending at a state, longest first', () => {
    const matcher = new SecretMatcher([
      { name: 'long', value: 'xxabcd' },
      { name: 'mid', value: 'abcd' },
      { name: 'short', value: 'bcd' },
    ]);
    const r = matcher.run(matcher.start, Buffer.from('..xxabcd..'), 0);
    assert.equal(r.end, 7);
    const names = matcher.patternsEndingAt(r.state).map((id) => matcher.patterns[id]!);
    assert.deepEqual(
      names.map((p) => `${p.name}/${p.form}`),
      ['long/raw', 'mid/raw', 'short/raw'],
    );
  });

  void it('finds a pattern reachable only through a chain of suffix links', () => {
    // At "xabcd" neither the state nor its failure state "abcd" ends a pattern; "bcd" is one link on.
    const m = new SecretMatcher([
      { name: 'long', value: 'xabcdQQQQ' },
      { name: 'mid', value: 'abcdQQQQ' },
      { name: 'short', value: 'bcd' },
    ]);
    assert.deepEqual(m.find(Buffer.from('..xabcd..')), { name: 'short', form: 'raw', index: 4 });
  });

  void it('is case-sensitive except that hex is matched in both cases', () => {
    const secret = 'Zq9-Secret-Value';
    const m = new SecretMatcher([{ name: 'k', value: secret }]);
    assert.equal(m.find(Buffer.from(`x${secret.toLowerCase()}x`)), null);
    assert.equal(m.find(Buffer.from(`x${secret.toUpperCase()}x`)), null);
    const hex = Buffer.from(secret).toString('hex');
    assert.equal(m.find(Buffer.from(`=${hex}`))?.form, 'hex');
    assert.equal(m.find(Buffer.from(`=${hex.toUpperCase()}`))?.form, 'HEX');
    assert.deepEqual(m.find(Buffer.from(`..${secret}`)), { name: 'k', form: 'raw', index: 2 });
  });

  void it('reports no match in random data without the secrets', () => {
    const rand = prng(4);
    const secrets = Array.from({ length: 16 }, (_, i) => ({
      name: `s${i}`,
      value: randSecret(rand, 12, 40),
    }));
    const m = new SecretMatcher(secrets);
    const buf = randBytes(rand, 1 << 20);
    for (const { value } of secrets) {
      for (const { bytes } of encodedForms(value)) assert.deepEqual(occurrences(buf, bytes), []);
    }
    assert.equal(m.find(buf), null);
  });

  void it('matches nothing with no secrets, and sizes maxLen to the longest form', () => {
    const none = new SecretMatcher([]);
    assert.equal(none.maxLen, 0);
    assert.equal(none.find(Buffer.from('anything at all')), null);
    assert.equal(new SecretMatcher([{ name: 'e', value: '' }]).maxLen, 0);
    const values = ['short-one', 'a much longer secret value'];
    const m = new SecretMatcher(values.map((value, i) => ({ name: `v${i}`, value })));
    assert.equal(m.maxLen, longestForm(values));
    assert.equal(m.maxLen, 3 * Buffer.byteLength(values[1]!));
  });

  void it('scans 10 MB against 64 secrets (throughput printed, not asserted)', () => {
    const rand = prng(5);
    const secrets = Array.from({ length: 64 }, (_, i) => ({
      name: `s${i}`,
      value: randSecret(rand, 24, 48),
    }));
    const m = new SecretMatcher(secrets);
    // Printable data exercises more of the automaton than uniform bytes, most of which fall in the
    // class that no pattern uses.
    const buf = Buffer.from(randSecret(rand, 10 << 20, 10 << 20));
    const t0 = process.hrtime.bigint();
    const hit = m.find(buf);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.equal(hit, null);
    const mb = buf.length / 2 ** 20;
    console.log(`dlp matcher: ${(mb / seconds).toFixed(0)} MB/s (${mb.toFixed(1)} MB, 64 secrets)`);
  });
});
