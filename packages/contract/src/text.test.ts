import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { displayName, displayTextProblem } from './text';
import { CreateHostBody, UpdateHostBody } from './hosts';
import { CreateTokenBody } from './tokens';

const refused = (s: string) => {
  const r = displayName({ max: 100 }).safeParse(s);
  assert.equal(r.success, false, `accepted ${JSON.stringify(s)}`);
  return r.error?.issues[0]?.message ?? '';
};

describe('displayName', () => {
  it('refuses bidi controls, naming the character and its position', () => {
    assert.equal(
      refused('ab\u202Etxt.exe'),
      'must not contain invisible or direction-changing characters (U+202E at position 3)',
    );
    for (const cp of [
      0x202a, 0x202b, 0x202c, 0x202d, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c,
    ]) {
      const ch = String.fromCharCode(cp);
      assert.match(
        refused(`x${ch}y`),
        new RegExp(`U\\+${cp.toString(16).toUpperCase().padStart(4, '0')} at position 2`),
      );
    }
  });

  it('refuses zero-width characters, including a leading BOM that trimming would hide', () => {
    for (const cp of [0x200b, 0x200c, 0x200d, 0x2060, 0xfeff]) {
      assert.match(refused(`ad${String.fromCharCode(cp)}min`), /invisible or direction-changing/);
    }
    assert.match(refused('\uFEFFprod'), /U\+FEFF at position 1/);
  });

  it('refuses C0, DEL and C1 controls', () => {
    for (const cp of [0x00, 0x07, 0x0a, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f]) {
      assert.match(
        refused(`a${String.fromCharCode(cp)}`),
        /must not contain control characters \(U\+00[0-9A-F]{2} at position 2\)/,
      );
    }
  });

  it('refuses lone surrogates (high, low, reversed) but keeps real astral characters', () => {
    assert.match(refused('a\uD800'), /lone UTF-16 surrogate, half of a character \(U\+D800 at position 2\)/);
    assert.match(refused('\uDC00b'), /U\+DC00 at position 1/);
    assert.match(refused('\uDC00\uD800'), /U\+DC00 at position 1/);
    // Positions count characters: the emoji before the bad one is one, not two.
    assert.match(refused('😀\u202Ex'), /U\+202E at position 2/);
    assert.equal(displayTextProblem('rack 3 😀'), null);
  });

  it('keeps ordinary international names and still trims and length-checks', () => {
    for (const s of ['prod-db', 'Zürich rack 3', '東京-1', 'שרת ראשי', 'مخدم', 'café ☕']) {
      assert.equal(displayName({ max: 100 }).parse(s), s);
    }
    assert.equal(displayName({ max: 100 }).parse('  padded  '), 'padded');
    assert.equal(displayName({ max: 3 }).safeParse('abcd').success, false);
    assert.equal(displayName({ max: 3 }).safeParse('   ').success, false);
  });

  it('names the first offending character when there are several', () => {
    assert.match(refused('ab\u200Bc\u0007'), /U\+200B at position 3/);
    assert.match(refused('a\u0007b\u200B'), /control characters \(U\+0007 at position 2\)/);
  });
});

describe('display names in the contract', () => {
  it('host labels refuse them on create and update', () => {
    const r = CreateHostBody.safeParse({ kind: 'local', label: 'prod\u202Egnp' });
    assert.equal(r.success, false);
    assert.match(r.error?.issues[0]?.message ?? '', /U\+202E at position 5/);
    assert.equal(UpdateHostBody.safeParse({ label: 'a\u200Bb' }).success, false);
    assert.equal(UpdateHostBody.safeParse({ label: 'a<b' }).success, false);
    assert.equal(CreateHostBody.safeParse({ kind: 'local', label: 'Zürich' }).success, true);
  });

  it('token names refuse them', () => {
    assert.equal(CreateTokenBody.safeParse({ name: 'ci\u0085' }).success, false);
    assert.equal(CreateTokenBody.safeParse({ name: 'ci\uD800' }).success, false);
    assert.equal(CreateTokenBody.safeParse({ name: 'ci ☁' }).success, true);
  });
});
