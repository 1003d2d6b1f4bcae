/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AA_TEXT, contrastRatio, firstReadable, mix, parseColor, readsOn } from './contrast';

void describe('contrastRatio', () => {
  void it('matches the WCAG extremes and known pairs', () => {
    assert.equal(contrastRatio('#000', '#fff').toFixed(2), '21.00');
    assert.equal(contrastRatio('#ffffff', '#ffffff'), 1);
    // Mantine's stock dimmed grey on white: the 3.3:1 the issue measured.
    assert.equal(contrastRatio('#868e96', '#ffffff').toFixed(2), '3.32');
    assert.equal(contrastRatio('rgba(134, 142, 150, 1)', '#fff').toFixed(2), '3.32', 'rgb() reads like hex');
  });
});

void describe('firstReadable', () => {
  void it('keeps the first candidate that reads on every background', () => {
    assert.equal(firstReadable(['#868e96', '#495057'], ['#ffffff'], '#000000'), '#495057');
    assert.equal(firstReadable(['#495057', '#212529'], ['#ffffff'], '#000000'), '#495057');
  });

  void it('moves the last candidate toward black or white until it reads', () => {
    // Yellow-9 on yellow-1: no stock shade reaches 4.5:1, so the same hue is darkened.
    const c = firstReadable(['#e67700'], ['#fff3bf'], '#000000');
    assert.ok(readsOn(c, ['#fff3bf']), `${c} reads on yellow-1`);
    assert.ok(contrastRatio(c, '#fff3bf') < AA_TEXT + 1, 'darkened only as far as needed');
    const d = firstReadable(['#828282'], ['#242424', '#651515'], '#ffffff');
    assert.ok(readsOn(d, ['#242424', '#651515']), `${d} reads on the dark body and the dark red tint`);
  });
});

void describe('mix and parseColor', () => {
  void it('mixes channel by channel', () => {
    assert.equal(mix('#ffffff', '#000000', 0.5), '#808080');
    assert.deepEqual(parseColor('#0af'), [0, 170, 255]);
    assert.throws(() => parseColor('color-mix(in srgb, red, blue)'), /not a colour/);
  });
});
