import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodedForms } from './encodings';
import { SecretMatcher } from './matcher';
import { StreamScanner, type Hit } from './stream-scan';
import { prng, randBytes, randInt, randSecret } from './test-helpers';

interface Fed {
  released: Buffer;
  hit: Hit | null;
  maxHeld: number;
}

// Feeds the chunks, checking on every step that what was neither released nor hit is held, and
// that at most maxLen - 1 bytes are held.
function feed(matcher: SecretMatcher, chunks: Buffer[]): Fed {
  const s = new StreamScanner(matcher);
  const out: Buffer[] = [];
  let hit: Hit | null = null;
  let pushed = 0;
  let released = 0;
  let maxHeld = 0;
  for (const c of chunks) {
    const step = s.push(c);
    pushed += c.length;
    released += step.release.length;
    out.push(step.release);
    if (hit) assert.equal(step.release.length, 0, 'released after a hit');
    hit = step.hit ?? hit;
    if (!hit) {
      assert.equal(s.heldBytes, pushed - released);
      assert.ok(s.heldBytes <= Math.max(0, matcher.maxLen - 1), `${s.heldBytes} held`);
    }
    maxHeld = Math.max(maxHeld, s.heldBytes);
  }
  const last = s.end();
  if (hit) assert.equal(last.release.length, 0, 'released at end after a hit');
  out.push(last.release);
  return { released: Buffer.concat(out), hit: last.hit ?? hit, maxHeld };
}

const bytewise = (buf: Buffer) => Array.from(buf, (b) => Buffer.from([b]));
const splitAt = (buf: Buffer, i: number) => [buf.subarray(0, i), buf.subarray(i)];

void describe('StreamScanner', () => {
  const secret = { name: 'api-key', value: 'sk-live 9f8e7d6c5b4a/3210+xyz' };
  const matcher = new SecretMatcher([secret, { name: 'other', value: 'another-secret-value' }]);
  const forms = encodedForms(secret.value);

  void it('finds every form fed one byte at a time or split at any point, releasing none of it', () => {
    const rand = prng(6);
    for (const { form, bytes } of forms) {
      const before = randBytes(rand, randInt(rand, 0, 40));
      const input = Buffer.concat([before, bytes, randBytes(rand, randInt(rand, 0, 40))]);
      const feeds = [
        bytewise(input),
        ...Array.from({ length: input.length + 1 }, (_, i) => splitAt(input, i)),
      ];
      for (const chunks of feeds) {
        const { released, hit } = feed(matcher, chunks);
        assert.ok(hit, `${form} missed in ${chunks.length} chunks`);
        assert.equal(hit.name, 'api-key');
        assert.ok(hit.index >= before.length && hit.index < before.length + bytes.length, form);
        assert.ok(released.length <= hit.index, 'released past the start of the secret');
        assert.deepEqual(released, input.subarray(0, released.length));
        for (const f of forms) assert.equal(released.indexOf(f.bytes), -1, `${f.form} released`);
      }
    }
  });

  void it('reports the stream offset of a hit in a later chunk', () => {
    const chunks = [Buffer.from('0123456789'), Buffer.from('abc' + secret.value), Buffer.from('tail')];
    const { hit, released } = feed(matcher, chunks);
    assert.deepEqual(hit, { name: 'api-key', form: 'raw', index: 13 });
    // Nothing from the chunk that completed the secret, not even the bytes before it.
    assert.equal(released.toString(), '0123456789');
  });

  void it('releases every byte, exactly, when there is no secret', () => {
    const rand = prng(7);
    for (let iter = 0; iter < 200; iter++) {
      // Near misses (each form cut short by one byte) keep the scanner holding partial matches; the
      // NUL after each stops the next random byte from completing it.
      const parts: Buffer[] = [];
      for (let j = 0; j < 6; j++) {
        parts.push(randBytes(rand, randInt(rand, 0, 30)));
        const f = forms[randInt(rand, 0, forms.length - 1)]!.bytes;
        parts.push(f.subarray(0, f.length - 1), Buffer.from([0]));
      }
      const input = Buffer.concat(parts);
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length;) {
        const n = randInt(rand, 0, 12);
        chunks.push(input.subarray(i, i + n));
        i += n;
      }
      const { released, hit } = feed(matcher, chunks);
      assert.equal(hit, null);
      assert.deepEqual(released, input);
    }
  });

  void it('holds back only what could still grow into a secret', () => {
    const prefix = Buffer.from(secret.value.slice(0, 10));
    const s = new StreamScanner(matcher);
    assert.equal(s.push(Buffer.from('hello ')).release.toString(), 'hello ');
    assert.equal(s.push(prefix).release.length, 0);
    assert.equal(s.heldBytes, 10);
    assert.equal(s.push(Buffer.from('!')).release.toString(), prefix.toString() + '!');
    assert.equal(s.end().release.length, 0);
  });

  void it('keeps its own copy of held bytes when the caller reuses its buffer', () => {
    const chunk = Buffer.from('abc' + secret.value.slice(0, 12));
    const s = new StreamScanner(matcher);
    const first = s.push(chunk).release;
    chunk.fill(0x2e);
    assert.equal(Buffer.concat([first, s.end().release]).toString(), 'abc' + secret.value.slice(0, 12));
  });

  void it('releases everything at once with no secrets, and refuses input after end', () => {
    const s = new StreamScanner(new SecretMatcher([]));
    assert.equal(s.push(Buffer.from('all of it')).release.toString(), 'all of it');
    assert.equal(s.heldBytes, 0);
    assert.equal(s.end().release.length, 0);
    assert.throws(() => s.push(Buffer.from('x')));
  });

  void it('finds secrets among many in random traffic, split at random', () => {
    const rand = prng(8);
    const secrets = Array.from({ length: 20 }, (_, i) => ({
      name: `s${i}`,
      value: randSecret(rand, 10, 30),
    }));
    const m = new SecretMatcher(secrets);
    for (let iter = 0; iter < 100; iter++) {
      const target = secrets[randInt(rand, 0, secrets.length - 1)]!;
      const fs = encodedForms(target.value);
      const f = fs[randInt(rand, 0, fs.length - 1)]!;
      const input = Buffer.concat([randBytes(rand, randInt(rand, 0, 500)), f.bytes, randBytes(rand, 50)]);
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length;) {
        const n = randInt(rand, 1, 64);
        chunks.push(input.subarray(i, i + n));
        i += n;
      }
      const { hit } = feed(m, chunks);
      assert.equal(hit?.name, target.name, `${f.form} of ${target.name}`);
    }
  });
});
