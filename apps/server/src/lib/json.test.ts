import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, decodeUtf8, jsonEqual, parseJsonBody } from './json';
import { UserError } from './errors';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('decodeUtf8', () => {
  it('decodes UTF-8 and refuses invalid bytes instead of turning them into U+FFFD', () => {
    assert.equal(decodeUtf8(Buffer.from('{"a":"Zürich 😀"}')), '{"a":"Zürich 😀"}');
    for (const bad of [[0xed, 0xa0, 0x80], [0xff], [0xc3], [0xe2, 0x82]]) {
      assert.throws(
        () => decodeUtf8(Buffer.concat([Buffer.from('"x'), Buffer.from(bad), Buffer.from('"')])),
        (e) => e instanceof UserError && e.status === 400 && /not valid UTF-8/.test(e.message),
        String(bad),
      );
    }
  });
});

describe('parseJsonBody', () => {
  it('accepts nesting up to the limit and refuses one level more', () => {
    assert.ok(Array.isArray(parseJsonBody(nested(MAX_JSON_DEPTH))));
    assert.throws(
      () => parseJsonBody(nested(MAX_JSON_DEPTH + 1)),
      (e) => e instanceof UserError && e.status === 400,
    );
    assert.throws(() => parseJsonBody('{"a":'.repeat(100) + '1' + '}'.repeat(100)), /nested deeper/);
  });

  it('does not count brackets inside strings, including escaped quotes', () => {
    const s = JSON.stringify({ a: '['.repeat(200), b: 'x\\"[[[' + '{'.repeat(100) });
    assert.deepEqual(parseJsonBody(s), JSON.parse(s));
  });

  it('strips __proto__ and constructor keys', () => {
    const v = parseJsonBody(
      '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},"ok":1}',
    ) as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), ['ok']);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    assert.equal((v as { isAdmin?: unknown }).isAdmin, undefined);
  });

  it('strips them when spelled with \\u escapes too (the fast path must not skip those)', () => {
    const v = parseJsonBody('{"\\u005f_proto__":{"isAdmin":true},"\\u0063onstructor":1,"ok":1}') as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.keys(v), ['ok']);
  });

  it('scans strings that end in escaped backslashes correctly', () => {
    const s = JSON.stringify({ a: 'x\\', b: [[['\\"']]], c: '\\\\' });
    assert.deepEqual(parseJsonBody(s), JSON.parse(s));
    assert.throws(() => parseJsonBody('{"a":"x\\"}'), /not valid JSON/);
    // A quote hidden behind an escaped backslash does not hide the brackets after it.
    assert.throws(() => parseJsonBody('["\\\\",' + nested(MAX_JSON_DEPTH) + ']'), /nested deeper/);
  });

  it('refuses invalid JSON as a 400 and treats an empty body as none', () => {
    assert.throws(
      () => parseJsonBody('{"a":'),
      (e) => e instanceof UserError && e.code === 'validation_failed',
    );
    assert.equal(parseJsonBody('  '), undefined);
  });
});

describe('jsonEqual', () => {
  it('compares plain JSON values structurally, ignoring key order', () => {
    const a = { x: [1, 'a', null, { y: true }], z: { k: 'v' } };
    assert.ok(jsonEqual(a, { z: { k: 'v' }, x: [1, 'a', null, { y: true }] }));
    assert.ok(jsonEqual(a, JSON.parse(JSON.stringify(a))));
    for (const b of [
      { x: [1, 'a', null, { y: false }], z: { k: 'v' } },
      { x: [1, 'a', null], z: { k: 'v' } },
      { x: [1, 'a', null, { y: true }], z: { k: 'v', extra: 1 } },
      { x: [1, 'a', null, { y: true }] },
      { x: { 0: 1, 1: 'a', 2: null, 3: { y: true } }, z: { k: 'v' } },
      { x: [1, 'a', undefined, { y: true }], z: { k: 'v' } },
      { x: [1, '1', null, { y: true }], z: { k: 'v' } },
    ])
      assert.equal(jsonEqual(a, b), false, JSON.stringify(b));
    assert.equal(jsonEqual({ a: undefined }, { b: undefined }), false);
    assert.equal(jsonEqual([], {}), false);
    assert.equal(jsonEqual(null, {}), false);
  });
});
