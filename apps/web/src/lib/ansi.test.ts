/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOG_BACKGROUNDS,
  MIN_CONTRAST,
  contrast,
  paletteRgb,
  parseAnsi,
  spanCss,
  stripAnsi,
  type AnsiStyle,
  type Scheme,
} from './ansi';

const E = '\x1b';
const runs = (s: string) => parseAnsi(s).map((x) => [x.text, x.style]);
const rgbOfHex = (h: string): [number, number, number] => [
  parseInt(h.slice(1, 3), 16),
  parseInt(h.slice(3, 5), 16),
  parseInt(h.slice(5, 7), 16),
];

void describe('parseAnsi: SGR', () => {
  void it('plain text is one unstyled run', () => {
    assert.deepEqual(runs('hello world'), [['hello world', {}]]);
    assert.deepEqual(runs(''), []);
  });

  void it('the issue: [32mINFO[0m becomes green INFO and nothing of the codes shows', () => {
    assert.deepEqual(runs(`${E}[32mINFO${E}[0m server started`), [
      ['INFO', { fg: 2 }],
      [' server started', {}],
    ]);
  });

  void it('foreground and background, normal and bright, and their resets', () => {
    assert.deepEqual(runs(`${E}[31;44ma${E}[97;103mb${E}[39mc${E}[49md`), [
      ['a', { fg: 1, bg: 4 }],
      ['b', { fg: 15, bg: 11 }],
      ['c', { bg: 11 }],
      ['d', {}],
    ]);
    assert.deepEqual(runs(`${E}[90mx${E}[37my${E}[40mz${E}[107mw`), [
      ['x', { fg: 8 }],
      ['y', { fg: 7 }],
      ['z', { fg: 7, bg: 0 }],
      ['w', { fg: 7, bg: 15 }],
    ]);
  });

  void it('bold, dim, italic, underline and 22/23/24', () => {
    assert.deepEqual(runs(`${E}[1;3;4mA${E}[22mB${E}[2mC${E}[22;23mD${E}[24mE`), [
      ['A', { bold: true, italic: true, underline: true }],
      ['B', { italic: true, underline: true }],
      ['C', { italic: true, underline: true, dim: true }],
      ['D', { underline: true }],
      ['E', {}],
    ]);
  });

  void it('256 colours and 24-bit colours, with ; and with : separators', () => {
    assert.deepEqual(runs(`${E}[38;5;208ma${E}[48;5;17mb`), [
      ['a', { fg: 208 }],
      ['b', { fg: 208, bg: 17 }],
    ]);
    assert.deepEqual(runs(`${E}[38;2;255;128;0ma${E}[0;48;2;1;2;3mb`), [
      ['a', { fg: [255, 128, 0] }],
      ['b', { bg: [1, 2, 3] }],
    ]);
    assert.deepEqual(runs(`${E}[38:5:196ma${E}[38:2::10:20:30mb${E}[38:2:40:50:60mc`), [
      ['a', { fg: 196 }],
      ['b', { fg: [10, 20, 30] }],
      ['c', { fg: [40, 50, 60] }],
    ]);
  });

  void it('codes after an extended colour still apply; malformed extended colours are ignored', () => {
    assert.deepEqual(runs(`${E}[38;5;82;1mx`), [['x', { fg: 82, bold: true }]]);
    assert.deepEqual(runs(`${E}[38;5;300mx`), [['x', {}]]);
    assert.deepEqual(runs(`${E}[38;2;1;2mx`), [['x', {}]]);
    // An unknown colour mode consumes itself only: what follows is read as codes of its own.
    assert.deepEqual(runs(`${E}[38;9;1mx`), [['x', { bold: true }]]);
    assert.deepEqual(runs(`${E}[38mx`), [['x', {}]]);
  });

  void it('ESC[m (empty) resets; unknown codes change nothing; equal styles merge', () => {
    assert.deepEqual(runs(`${E}[1ma${E}[mb`), [
      ['a', { bold: true }],
      ['b', {}],
    ]);
    assert.deepEqual(runs(`${E}[5;7;53mblink`), [['blink', {}]]);
    assert.deepEqual(runs(`${E}[31ma${E}[31mb${E}[5mc`), [['abc', { fg: 1 }]]);
  });

  void it('styles do not leak from one line into the next parse', () => {
    parseAnsi(`${E}[31mred forever`);
    assert.deepEqual(runs('next'), [['next', {}]]);
  });
});

void describe('parseAnsi: everything else is stripped', () => {
  const cases: [string, string, string][] = [
    ['cursor movement and erase (CSI other than m)', `a${E}[2K${E}[1;1H${E}[3Ab`, 'ab'],
    ['private modes', `${E}[?25l${E}[?1049hx${E}[?25h`, 'x'],
    ['CSI with intermediates', `a${E}[1 qb`, 'ab'],
    ['OSC window title, BEL-terminated', `${E}]0;title\x07text`, 'text'],
    ['OSC hyperlink, ST-terminated', `${E}]8;;http://x${E}\\link${E}]8;;${E}\\`, 'link'],
    ['DCS, PM, APC strings', `${E}Pq#0${E}\\a${E}^pm${E}\\b${E}_apc${E}\\c`, 'abc'],
    ['two-byte escapes (charset, keypad, save cursor)', `${E}(Ba${E}=b${E}7c${E}8`, 'abc'],
    ['C0 controls (NUL, BEL, BS, CR, VT, FF) but tab', 'a\x00b\x07c\x08d\re\x0bf\x0cg\th', 'abcdefg\th'],
    ['DEL and C1 controls', 'a\x7fb\x85c', 'abc'],
    ['8-bit CSI and OSC', `\x9b31mred\x9b0m \x9d0;t\x07x`, 'red x'],
    ['a lone ESC at the end', `abc${E}`, 'abc'],
    ['an unterminated CSI at the end', `abc${E}[31;4`, 'abc'],
    ['an unterminated OSC swallows the rest of the line, not more', `ok${E}]0;never ends`, 'ok'],
    ['a CSI cut short by a control byte', `a${E}[31\nb`, 'ab'],
    ['ESC ESC', `a${E}${E}[31mb`, 'ab'],
  ];
  for (const [name, input, want] of cases) {
    void it(name, () => assert.equal(stripAnsi(input), want));
  }

  void it('8-bit CSI colours like 7-bit', () => {
    assert.deepEqual(runs(`\x9b32mok`), [['ok', { fg: 2 }]]);
  });

  void it('stripAnsi returns the same string when there is nothing to strip', () => {
    const s = 'plain line with ümlauts and 日本語';
    assert.equal(stripAnsi(s), s);
  });
});

void describe('parseAnsi: hostile input', () => {
  const timed = (input: string) => {
    const t0 = performance.now();
    const out = parseAnsi(input);
    return { out, ms: performance.now() - t0 };
  };

  void it('a huge parameter list is bounded: only the first parameters act', () => {
    const params = Array.from({ length: 200_000 }, () => '1').join(';');
    const { out, ms } = timed(`${E}[${params};31mx`);
    assert.deepEqual(
      out.map((s) => s.text),
      ['x'],
    );
    assert.deepEqual(out[0]?.style, { bold: true }, 'the 31 past the limit is not applied');
    assert.ok(ms < 500, `took ${ms} ms`);
  });

  void it('a parameter with a million digits is out of range, not a number', () => {
    const { out, ms } = timed(`${E}[${'9'.repeat(1_000_000)}mx${E}[38;5;${'1'.repeat(1000)}my`);
    assert.deepEqual(
      out.map((s) => [s.text, s.style]),
      [['xy', {}]],
    );
    assert.ok(ms < 500, `took ${ms} ms`);
  });

  void it('many sequences stay linear', () => {
    const line = `${E}[31ma${E}[32mb${E}[0m`.repeat(50_000);
    const { out, ms } = timed(line);
    assert.equal(out.map((s) => s.text).join(''), 'ab'.repeat(50_000));
    assert.ok(ms < 1_000, `took ${ms} ms`);
  });

  void it('an unterminated OSC or CSI of a megabyte ends quickly with nothing shown', () => {
    for (const input of [`${E}]${'x'.repeat(1_000_000)}`, `${E}[${'1;'.repeat(500_000)}`]) {
      const { out, ms } = timed(`before${input}`);
      assert.deepEqual(
        out.map((s) => s.text),
        ['before'],
      );
      assert.ok(ms < 500, `took ${ms} ms`);
    }
  });

  void it('text that looks like markup stays text', () => {
    assert.deepEqual(runs(`${E}[31m<img src=x onerror=alert(1)>`), [
      ['<img src=x onerror=alert(1)>', { fg: 1 }],
    ]);
  });
});

void describe('spanCss: readable colours', () => {
  const schemes: Scheme[] = ['light', 'dark'];
  const check = (style: AnsiStyle, scheme: Scheme) => {
    const css = spanCss(style, scheme);
    assert.ok(css.color, `a colour for ${JSON.stringify(style)}`);
    const fg = rgbOfHex(css.color);
    const behind = css.backgroundColor ? [rgbOfHex(css.backgroundColor)] : LOG_BACKGROUNDS[scheme];
    for (const bg of behind) {
      const ratio = contrast(fg, bg);
      assert.ok(
        ratio >= MIN_CONTRAST,
        `${scheme}: ${JSON.stringify(style)} → ${css.color} on ${JSON.stringify(bg)}: ${ratio.toFixed(2)}`,
      );
    }
  };

  void it('every palette colour, plain and dim, has ≥ 4.5:1 on both themes (and stderr lines)', () => {
    for (const scheme of schemes)
      for (let n = 0; n < 256; n++) {
        check({ fg: n }, scheme);
        check({ fg: n, dim: true }, scheme);
      }
  });

  void it('24-bit colours, including ones that match the background, are made readable', () => {
    for (const scheme of schemes)
      for (const rgb of [
        [248, 249, 250],
        [59, 59, 59],
        [255, 255, 0],
        [0, 0, 255],
        [128, 128, 128],
        [255, 255, 255],
        [0, 0, 0],
      ] as const)
        check({ fg: rgb }, scheme);
  });

  void it('text on an ANSI background colour reads on that colour', () => {
    for (const scheme of schemes)
      for (let bg = 0; bg < 16; bg++) {
        check({ bg }, scheme);
        for (let fg = 0; fg < 16; fg++) check({ fg, bg }, scheme);
      }
  });

  void it('a readable colour is kept as asked; attributes map to CSS', () => {
    assert.equal(spanCss({ fg: [0, 0, 0] }, 'light').color, '#000000');
    assert.deepEqual(spanCss({ bold: true, italic: true, underline: true }, 'light'), {
      fontWeight: 700,
      fontStyle: 'italic',
      textDecoration: 'underline',
    });
    assert.deepEqual(spanCss({}, 'dark'), {});
  });

  void it('the 256-colour palette is xterm’s', () => {
    assert.deepEqual(paletteRgb(16), [0, 0, 0]);
    assert.deepEqual(paletteRgb(196), [255, 0, 0]);
    assert.deepEqual(paletteRgb(231), [255, 255, 255]);
    assert.deepEqual(paletteRgb(232), [8, 8, 8]);
    assert.deepEqual(paletteRgb(255), [238, 238, 238]);
  });
});
