import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PercentDecoder, percentDecode } from './percent';

describe('percent decoding', () => {
  it('decodes any subset of escaped bytes, leaves malformed escapes, and + only when asked', () => {
    assert.equal(percentDecode(Buffer.from('sk%2Dte%73t')).toString(), 'sk-test');
    assert.equal(percentDecode(Buffer.from('a%zz%4')).toString(), 'a%zz%4');
    assert.equal(percentDecode(Buffer.from('a+b'), true).toString(), 'a b');
    assert.equal(percentDecode(Buffer.from('a+b')).toString(), 'a+b');
    assert.equal(percentDecode(Buffer.from('%41%42%43')).toString(), 'ABC');
  });

  it('gives the same bytes streamed, whatever the split points', () => {
    const input = Buffer.from('x=%73k%2D%74est+%25%2');
    const whole = percentDecode(input, true).toString('latin1');
    for (let a = 0; a <= input.length; a++)
      for (let b = a; b <= input.length; b++) {
        const d = new PercentDecoder(true);
        const out = Buffer.concat([
          d.push(input.subarray(0, a)),
          d.push(input.subarray(a, b)),
          d.push(input.subarray(b)),
          d.end(),
        ]).toString('latin1');
        assert.equal(out, whole, `split at ${a},${b}`);
      }
  });
});
