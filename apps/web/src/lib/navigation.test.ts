/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeNext } from './navigation';

void describe('safeNext', () => {
  void it('follows paths inside the app only', () => {
    assert.equal(safeNext('/settings/users?x=1', '/'), '/settings/users?x=1');
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '',
      null,
    ]) {
      assert.equal(safeNext(bad, '/audit'), '/audit', String(bad));
    }
  });
});
