/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeWindow } from './windowing';

void describe('computeWindow', () => {
  void it('renders only the rows in view plus overscan, with spacers for the rest', () => {
    const w = computeWindow(10_000, 40, 4_000, 800, 5);
    assert.deepEqual(w, { start: 95, end: 125, padTop: 95 * 40, padBottom: (10_000 - 125) * 40 });
  });
  void it('clamps at both ends', () => {
    assert.deepEqual(computeWindow(10, 40, 0, 800, 5), { start: 0, end: 10, padTop: 0, padBottom: 0 });
    assert.deepEqual(computeWindow(0, 40, 500, 800, 5), { start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});
