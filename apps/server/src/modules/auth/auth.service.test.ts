import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseApiToken } from './auth.service';

const secret = 'S'.repeat(43);

describe('parseApiToken', () => {
  it('splits alk_<id>_<secret> at the first underscore after the id', () => {
    assert.deepEqual(parseApiToken(`alk_abc-123_${secret}`), { id: 'abc-123', secret });
    assert.deepEqual(parseApiToken(`alk_abc_${secret}_more`), { id: 'abc', secret: `${secret}_more` });
  });

  it('rejects anything that is not one of ours', () => {
    for (const v of [
      `xyz_abc_${secret}`,
      `alk__${secret}`,
      `alk_abc`,
      `alk_abc_short`,
      `alk_a.b_${secret}`,
      `alk_a%20b_${secret}`,
      '',
      `ALK_abc_${secret}`,
    ]) {
      assert.equal(parseApiToken(v), null, v);
    }
  });
});
