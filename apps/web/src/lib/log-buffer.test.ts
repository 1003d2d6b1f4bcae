/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogLine } from '@airlock/contract/fleet';
import { appendLines, countMatches, filterLines, overlayMatches, splitMatches } from './log-buffer';

const line = (text: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({
  stream,
  ts: null,
  line: text,
});

void describe('appendLines', () => {
  void it('numbers lines in order and keeps only the newest `cap`', () => {
    let buf = appendLines([], [line('a'), line('b')], 0, 3);
    buf = appendLines(buf, [line('c'), line('d')], 2, 3);
    assert.deepEqual(
      buf.map((l) => [l.seq, l.line]),
      [
        [1, 'b'],
        [2, 'c'],
        [3, 'd'],
      ],
    );
  });
});

void describe('log search', () => {
  const lines = [line('GET /health 200'), line('error: disk full', 'stderr'), line('Error again, ERROR')];
  void it('filters case-insensitively and counts every occurrence', () => {
    assert.deepEqual(
      filterLines(lines, 'error').map((l) => l.line),
      ['error: disk full', 'Error again, ERROR'],
    );
    assert.equal(countMatches(lines, 'error'), 3);
    assert.equal(filterLines(lines, '  ').length, 3, 'a blank query shows everything');
    assert.equal(countMatches(lines, ''), 0);
  });
  void it('splits text around matches for highlighting, keeping the original case', () => {
    assert.deepEqual(splitMatches('Error again, ERROR', 'error'), [
      { text: 'Error', match: true },
      { text: ' again, ', match: false },
      { text: 'ERROR', match: true },
    ]);
    assert.deepEqual(splitMatches('<b>x</b>', 'zzz'), [{ text: '<b>x</b>', match: false }]);
  });
});

void describe('ANSI in the buffer', () => {
  void it('keeps the plain text as the line (search sees what is shown) and the styled runs beside it', () => {
    const [l] = appendLines([], [line('\x1b[32mINFO\x1b[0m ready \x1b]0;title\x07')], 0);
    assert.ok(l);
    assert.equal(l.line, 'INFO ready ');
    assert.deepEqual(l.spans, [
      { text: 'INFO', style: { fg: 2 } },
      { text: ' ready ', style: {} },
    ]);
    assert.equal(filterLines([l], '32m').length, 0, 'the escape codes are not searchable text');
    assert.equal(filterLines([l], 'info r').length, 1, 'a match across a colour change is found');
  });

  void it('cuts styled runs at search matches that cross colour changes', () => {
    const [l] = appendLines([], [line('\x1b[31mab\x1b[32mcd\x1b[0mef')], 0);
    assert.ok(l);
    const out = overlayMatches(l.spans, splitMatches(l.line, 'bcd'));
    assert.deepEqual(
      out.map((s) => [s.text, s.style.fg ?? null, s.match]),
      [
        ['a', 1, false],
        ['b', 1, true],
        ['cd', 2, true],
        ['ef', null, false],
      ],
    );
  });
});
