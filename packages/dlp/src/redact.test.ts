import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodedForms } from './encodings';
import type { Secret } from './matcher';
import { StreamRedactor, redactText } from './redact';
import { prng, randBytes, randInt, randSecret } from './test-helpers';

const mark = (name: string) => Buffer.from(`[REDACTED:${name}]`);

// Reference: every occurrence of every form by brute force (a byte string shared by two secrets
// counts for the first), overlapping occurrences merged, each merged region replaced by one marker
// per secret in order of its first occurrence.
function naiveRedact(input: Buffer, secrets: Secret[]): Buffer {
  const seen = new Set<string>();
  const hits: Array<{ start: number; end: number; name: string }> = [];
  for (const { name, value } of secrets) {
    for (const { bytes } of encodedForms(value)) {
      const key = bytes.toString('latin1');
      if (seen.has(key)) continue;
      seen.add(key);
      for (let i = input.indexOf(bytes); i >= 0; i = input.indexOf(bytes, i + 1)) {
        hits.push({ start: i, end: i + bytes.length - 1, name });
      }
    }
  }
  hits.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Buffer[] = [];
  let pos = 0;
  for (let i = 0; i < hits.length;) {
    const first = hits[i]!;
    let end = first.end;
    const names: string[] = [];
    for (; i < hits.length && hits[i]!.start <= end; i++) {
      end = Math.max(end, hits[i]!.end);
      if (!names.includes(hits[i]!.name)) names.push(hits[i]!.name);
    }
    out.push(input.subarray(pos, first.start), ...names.map(mark));
    pos = end + 1;
  }
  out.push(input.subarray(pos));
  return Buffer.concat(out);
}

function redactChunks(secrets: Secret[], chunks: Buffer[]): Buffer {
  const r = new StreamRedactor(secrets);
  const maxLen = Math.max(0, ...secrets.flatMap((s) => encodedForms(s.value).map((f) => f.bytes.length)));
  const out: Buffer[] = [];
  for (const c of chunks) {
    out.push(r.push(c));
    assert.ok(r.heldBytes <= Math.max(0, maxLen - 1), `${r.heldBytes} raw bytes held`);
  }
  out.push(r.end());
  return Buffer.concat(out);
}

const bytewise = (buf: Buffer) => Array.from(buf, (b) => Buffer.from([b]));

function everyFeed(input: Buffer): Buffer[][] {
  const feeds = [[input], bytewise(input)];
  for (let i = 0; i <= input.length; i++) feeds.push([input.subarray(0, i), input.subarray(i)]);
  return feeds;
}

void describe('StreamRedactor', () => {
  const a = { name: 'a', value: 'abcdef12' };
  const b = { name: 'b', value: 'cdef1234' };

  void it('replaces a secret at every split point and byte by byte', () => {
    const input = Buffer.from('GET /?k=abcdef12 HTTP/1.1\r\nX: abcdef12abcdef12\r\n');
    const want = 'GET /?k=[REDACTED:a] HTTP/1.1\r\nX: [REDACTED:a][REDACTED:a]\r\n';
    for (const chunks of everyFeed(input)) assert.equal(redactChunks([a], chunks).toString(), want);
  });

  void it('redacts overlapping secrets with shared prefixes as one region, leaking neither', () => {
    const input = Buffer.from('<abcdef1234> <cdef1234> <abcdef12> <abcdef12cdef1234>');
    const want = '<[REDACTED:a][REDACTED:b]> <[REDACTED:b]> <[REDACTED:a]> <[REDACTED:a][REDACTED:b]>';
    for (const chunks of everyFeed(input)) {
      assert.equal(redactChunks([a, b], chunks).toString(), want);
      assert.equal(redactChunks([b, a], chunks).toString(), want);
    }
    // Occurrences sharing a single byte are one region too.
    const s3 = { name: 's3', value: 's3cr3ts' };
    for (const chunks of everyFeed(Buffer.from('..s3cr3ts3cr3ts..'))) {
      assert.equal(redactChunks([s3], chunks).toString(), '..[REDACTED:s3]..');
    }
    // A match found later that starts earlier (the long one ends last) still covers the short one.
    const nested = [
      { name: 'inner', value: 'mnopqrst' },
      { name: 'outer', value: 'klmnopqrstuv' },
    ];
    for (const chunks of everyFeed(Buffer.from('..klmnopqrstuv..'))) {
      assert.equal(redactChunks(nested, chunks).toString(), '..[REDACTED:outer][REDACTED:inner]..');
    }
  });

  void it('names each secret in a region by its earliest occurrence, however late it is found', () => {
    // mnop (N) ends first, then lmnopq (M), then klmnopqr (N again) which starts before both.
    const secrets = [
      { name: 'N', value: 'mnop' },
      { name: 'M', value: 'lmnopq' },
      { name: 'N', value: 'klmnopqr' },
    ];
    const input = Buffer.from('..klmnopqr..');
    assert.equal(naiveRedact(input, secrets).toString(), '..[REDACTED:N][REDACTED:M]..');
    for (const chunks of everyFeed(input)) {
      assert.equal(redactChunks(secrets, chunks).toString(), '..[REDACTED:N][REDACTED:M]..');
    }
  });

  void it('replaces the encoded forms too, wherever they are split', () => {
    const secret = { name: 'tok', value: 'ghp_R3al+Tok/en 42' };
    for (const { form, bytes } of encodedForms(secret.value)) {
      const input = Buffer.concat([Buffer.from('{"echo":"'), bytes, Buffer.from('"}')]);
      for (const chunks of everyFeed(input)) {
        const out = redactChunks([secret], chunks).toString('latin1');
        assert.ok(out.includes('[REDACTED:tok]'), `${form}: ${out}`);
        for (const f of encodedForms(secret.value)) {
          assert.ok(!out.includes(f.bytes.toString('latin1')), `${f.form} survived in ${out}`);
        }
      }
    }
    // A secret inside a larger base64 body, at each alignment.
    for (let k = 0; k < 3; k++) {
      const body = Buffer.concat([Buffer.alloc(k + 3, 0x41), Buffer.from(secret.value), Buffer.from('!!!!')]);
      const out = redactText(body.toString('base64'), [secret]);
      assert.ok(out.includes('[REDACTED:tok]'), `alignment ${k}: ${out}`);
    }
  });

  void it('matches the brute-force reference on random input with random chunking', () => {
    const rand = prng(9);
    for (let iter = 0; iter < 300; iter++) {
      // A tiny alphabet makes occurrences, overlaps and near misses common.
      const secrets = Array.from({ length: randInt(rand, 1, 4) }, (_, i) => ({
        name: `s${i}`,
        value: randSecret(rand, 3, 6, 'abc'),
      }));
      const input = Buffer.from(randSecret(rand, 0, 120, 'abcabcabc%6YW'));
      const want = naiveRedact(input, secrets);
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length;) {
        const n = randInt(rand, 0, 9);
        chunks.push(input.subarray(i, i + n));
        i += n;
      }
      assert.equal(redactChunks(secrets, chunks).toString(), want.toString(), input.toString());
      assert.equal(redactChunks(secrets, bytewise(input)).toString(), want.toString(), input.toString());
    }
  });

  void it('passes random data through byte for byte when no secret is in it', () => {
    const rand = prng(10);
    const secrets = Array.from({ length: 8 }, (_, i) => ({ name: `s${i}`, value: randSecret(rand) }));
    const input = randBytes(rand, 200_000);
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length;) {
      const n = randInt(rand, 1, 5000);
      chunks.push(input.subarray(i, i + n));
      i += n;
    }
    assert.deepEqual(redactChunks(secrets, chunks), input);
    assert.deepEqual(redactChunks([], chunks), input);
  });

  void it('keeps memory bounded through a long run of overlapping occurrences', () => {
    const r = new StreamRedactor([{ name: 'z', value: 'zzzzzzzz' }]);
    const out: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) {
      out.push(r.push(Buffer.from('z')));
      assert.ok(r.heldBytes < 24, `${r.heldBytes} held`);
    }
    out.push(r.end());
    assert.equal(Buffer.concat(out).toString(), '[REDACTED:z]');
  });

  void it('takes a custom replacement and redacts header values', () => {
    const secrets = [{ name: 'key', value: 'k3y-v@lue' }];
    assert.equal(
      redactText('Bearer k3y-v@lue, k3y-v%40lue', secrets),
      'Bearer [REDACTED:key], [REDACTED:key]',
    );
    const r = new StreamRedactor(secrets, () => Buffer.from('***'));
    assert.equal(
      Buffer.concat([r.push(Buffer.from('a k3y-')), r.push(Buffer.from('v@lue b')), r.end()]).toString(),
      'a *** b',
    );
    assert.throws(() => r.push(Buffer.from('late')));
  });
});
