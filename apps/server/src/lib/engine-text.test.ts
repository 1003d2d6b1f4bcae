import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_TEXT_MAX, engineText } from './engine-text';

describe('engineText', () => {
  it('keeps an ordinary Docker message as it is', () => {
    const m = 'No such container: 0123abcd (is it removed?) — “quoted” ünïcode 🐳';
    assert.equal(engineText(m), m);
  });

  it('removes ANSI sequences whole: colours, cursor moves, OSC titles and links', () => {
    assert.equal(engineText('\x1b[31;1mred\x1b[0m \x1b[2J\x1b[Hcleared'), 'red cleared');
    assert.equal(engineText('a\x1b]0;owned title\x07b'), 'a b');
    assert.equal(engineText('\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\'), 'click');
    assert.equal(engineText('x\x1bcy\x1b(Bz\x1b['), 'x y z');
  });

  it('turns control characters and newlines into single spaces, on one line', () => {
    assert.equal(engineText('one\r\ntwo\tthree\x00four\x07\x08\x7f\x85\x9bfive'), 'one two three four five');
    assert.equal(engineText('   \n\t  '), '');
  });

  it('drops bidi overrides, isolates, zero-width characters, separators and lone surrogates', () => {
    assert.equal(engineText('safe\u202e4pm.exe\u202c'), 'safe4pm.exe');
    assert.equal(engineText('\u2066a\u2069\u200bb\u200d\ufeffc\u2028d\u061c'), 'abcd');
    assert.equal(engineText('x\ud800y\udc00z'), 'xyz');
  });

  it('truncates to the limit in code points, never splitting a pair, and marks the cut', () => {
    const long = engineText('🐳'.repeat(1000));
    assert.equal(Array.from(long).length, ENGINE_TEXT_MAX);
    assert.ok(long.endsWith('…'));
    assert.ok(!/[\ud800-\udbff]…$/.test(long));
    assert.equal(engineText('abcdef', 4), 'abc…');
  });

  it('bounds the work on a huge input and still says it was cut', () => {
    const huge = `${'\x1b[31m'.repeat(100_000)}tail`;
    const t0 = performance.now();
    const out = engineText(huge);
    assert.ok(performance.now() - t0 < 100);
    assert.equal(out, '');
    assert.equal(engineText(`start ${' '.repeat(5000)}end`), 'start…');
  });

  it('accepts non-strings', () => {
    assert.equal(engineText(new Error('boom\x1b[0m')), 'Error: boom');
    assert.equal(engineText(42), '42');
  });
});
