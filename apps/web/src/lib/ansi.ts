// ANSI escape handling for the log viewer. Log lines are untrusted: this turns them into plain text
// runs with a style each (rendered by React as text, never as HTML). SGR colours and attributes are
// kept; every other control sequence and control character is dropped.

/** A palette index (0–255) or a 24-bit colour. */
export type AnsiColor = number | readonly [number, number, number];

export interface AnsiStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: true;
  dim?: true;
  italic?: true;
  underline?: true;
}

export interface AnsiSpan {
  text: string;
  style: AnsiStyle;
}

const ESC = 0x1b;
/** The parameters of one SGR sequence that are acted on; the rest are ignored (hostile input). */
const MAX_SGR_PARAMS = 32;
/** Longest number a parameter may hold; longer ones are treated as out of range. */
const MAX_PARAM_DIGITS = 5;

function sameColor(a: AnsiColor | undefined, b: AnsiColor | undefined): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object') return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
  return false;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    sameColor(a.fg, b.fg) &&
    sameColor(a.bg, b.bg) &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline
  );
}

/** A parameter as a number: empty is 0 (as terminals read it), too long or not digits is -1. */
function num(p: string): number {
  if (p === '') return 0;
  if (p.length > MAX_PARAM_DIGITS || !/^\d+$/.test(p)) return -1;
  return Number(p);
}

const byte = (n: number | undefined): number | null => (n !== undefined && n >= 0 && n <= 255 ? n : null);

/**
 * An extended colour (after 38 or 48): `5;n` or `2;r;g;b`, as separate parameters or as one
 * colon form (`38:5:n`, `38:2::r:g:b` with the colour space id). Returns the colour (null when
 * malformed or out of range) and how many of `rest` it used.
 */
function extendedColor(rest: readonly number[]): { color: AnsiColor | null; used: number } {
  const mode = rest[0];
  if (mode === 5) {
    const n = byte(rest[1]);
    return { color: n, used: 2 };
  }
  if (mode === 2) {
    const [r, g, b] = [byte(rest[1]), byte(rest[2]), byte(rest[3])];
    return { color: r === null || g === null || b === null ? null : [r, g, b], used: 4 };
  }
  return { color: null, used: 1 };
}

/** Applies one SGR parameter list (the text between `ESC[` and `m`) to `style`. */
function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const s: AnsiStyle = { ...style };
  const list = params.split(';', MAX_SGR_PARAMS);
  for (let i = 0; i < list.length; i++) {
    const raw = list[i] ?? '';
    if (raw.includes(':')) {
      // ITU colon form: the whole extended colour sits in one parameter.
      const sub = raw.split(':', 8).map(num);
      const code = sub[0];
      if (code === 38 || code === 48) {
        // 38:2:<colour space>:r:g:b has one more field than 38;2;r;g;b.
        const rest = sub[1] === 2 && sub.length >= 6 ? [2, ...sub.slice(3)] : sub.slice(1);
        const { color } = extendedColor(rest);
        if (color !== null) {
          if (code === 38) s.fg = color;
          else s.bg = color;
        }
      } else if (code === 4) {
        // 4:0 is "no underline", 4:n a style of underline.
        if (sub[1] === 0) delete s.underline;
        else s.underline = true;
      }
      continue;
    }
    const code = num(raw);
    if (code === 0) {
      for (const k of Object.keys(s) as (keyof AnsiStyle)[]) delete s[k];
    } else if (code === 1) s.bold = true;
    else if (code === 2) s.dim = true;
    else if (code === 3) s.italic = true;
    else if (code === 4) s.underline = true;
    else if (code === 22) {
      delete s.bold;
      delete s.dim;
    } else if (code === 23) delete s.italic;
    else if (code === 24) delete s.underline;
    else if (code >= 30 && code <= 37) s.fg = code - 30;
    else if (code >= 90 && code <= 97) s.fg = code - 90 + 8;
    else if (code === 39) delete s.fg;
    else if (code >= 40 && code <= 47) s.bg = code - 40;
    else if (code >= 100 && code <= 107) s.bg = code - 100 + 8;
    else if (code === 49) delete s.bg;
    else if (code === 38 || code === 48) {
      const rest = list.slice(i + 1, i + 5).map(num);
      const { color, used } = extendedColor(rest);
      i += used;
      if (color !== null) {
        if (code === 38) s.fg = color;
        else s.bg = color;
      }
    }
    // Anything else (blink, reverse, fonts, unknown codes) is ignored.
  }
  return s;
}

/** Index just past a string sequence's terminator (BEL or ESC \ or 8-bit ST), or the end. */
function skipString(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x07 || c === 0x9c) return j + 1;
    if (c === ESC && text.charCodeAt(j + 1) === 0x5c) return j + 2;
  }
  return text.length;
}

/**
 * Where a CSI sequence whose parameters start at `from` ends, and its parameters and final byte.
 * `final` is null when the sequence is cut short (end of text, or a byte that cannot be part of
 * one): the sequence is dropped and scanning goes on at `end`.
 */
function scanCsi(text: string, from: number): { end: number; params: string; final: string | null } {
  let j = from;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c >= 0x30 && c <= 0x3f) j++;
    else break;
  }
  const params = text.slice(from, j);
  let intermediates = false;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c >= 0x20 && c <= 0x2f) {
      intermediates = true;
      j++;
    } else break;
  }
  if (j >= text.length) return { end: j, params, final: null };
  const c = text.charCodeAt(j);
  if (c >= 0x40 && c <= 0x7e) return { end: j + 1, params, final: intermediates ? '' : (text[j] ?? '') };
  return { end: j, params, final: null };
}

/** Whether `c` is a control character to drop (C0 but tab, DEL, C1). */
const isControl = (c: number) => (c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f);

/**
 * Splits one log line into styled runs of plain text. Styles do not carry from one line to the
 * next (each line is parsed on its own, so a filtered or windowed view shows the same colours).
 * Linear in the length of the line whatever it holds.
 */
export function parseAnsi(text: string): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  let style: AnsiStyle = {};
  let buf = '';
  let runStart = 0;
  const flush = (upTo: number) => {
    buf += text.slice(runStart, upTo);
    runStart = upTo;
  };
  const emit = () => {
    if (buf === '') return;
    const last = spans[spans.length - 1];
    if (last && sameStyle(last.style, style)) last.text += buf;
    else spans.push({ text: buf, style });
    buf = '';
  };

  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (!isControl(c)) {
      i++;
      continue;
    }
    flush(i);
    let next = i + 1;
    let sgr: string | null = null;
    if (c === ESC || c === 0x9b || c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
      // The 7-bit form (ESC + letter) and the 8-bit C1 form of the same introducer.
      const intro = c === ESC ? text.charCodeAt(i + 1) : c - 0x40;
      const body = c === ESC ? i + 2 : i + 1;
      if (c === ESC && i + 1 >= text.length) next = text.length;
      else if (intro === 0x5b /* [ CSI */) {
        const csi = scanCsi(text, body);
        next = csi.end;
        if (csi.final === 'm') sgr = csi.params;
      } else if (
        intro === 0x5d /* ] OSC */ ||
        intro === 0x50 /* P DCS */ ||
        intro === 0x58 /* X SOS */ ||
        intro === 0x5e /* ^ PM */ ||
        intro === 0x5f /* _ APC */
      ) {
        next = skipString(text, body);
      } else if (c === ESC) {
        // Other escapes: ESC, optional intermediates, one final byte (ESC ( B, ESC 7, ESC =...).
        let j = i + 1;
        while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
        const f = text.charCodeAt(j);
        next = j < text.length && f >= 0x30 && f <= 0x7e ? j + 1 : j;
      }
    }
    if (sgr !== null) {
      const nextStyle = applySgr(style, sgr);
      if (!sameStyle(nextStyle, style)) {
        emit();
        style = nextStyle;
      }
    }
    i = next;
    runStart = next;
  }
  flush(text.length);
  emit();
  return spans;
}

/** The text of a line without any escape sequence or control character. */
export function stripAnsi(text: string): string {
  // Fast path: most lines have nothing to strip.
  let clean = true;
  for (let i = 0; i < text.length; i++) {
    if (isControl(text.charCodeAt(i))) {
      clean = false;
      break;
    }
  }
  if (clean) return text;
  return parseAnsi(text)
    .map((s) => s.text)
    .join('');
}

// ---- colours ------------------------------------------------------------------------------------

export type Scheme = 'light' | 'dark';
type Rgb = readonly [number, number, number];

/** Base colours 0–15 (a common terminal palette); adjusted below until readable on the log view. */
const BASE16: readonly Rgb[] = [
  [0, 0, 0],
  [205, 49, 49],
  [13, 188, 121],
  [229, 229, 16],
  [36, 114, 200],
  [188, 63, 188],
  [17, 168, 205],
  [229, 229, 229],
  [102, 102, 102],
  [241, 76, 76],
  [35, 209, 139],
  [245, 245, 67],
  [59, 142, 234],
  [214, 112, 214],
  [41, 184, 219],
  [255, 255, 255],
];

/** xterm's 256-colour palette: 16 base, a 6×6×6 cube, 24 greys. */
export function paletteRgb(index: number): Rgb {
  if (index < 16) return BASE16[index] ?? [0, 0, 0];
  if (index < 232) {
    const n = index - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return [level(Math.floor(n / 36)), level(Math.floor(n / 6) % 6), level(n % 6)];
  }
  const g = 8 + (index - 232) * 10;
  return [g, g, g];
}

/**
 * What a log line may sit on, per scheme: the log view's background (Mantine's default-hover:
 * gray-0 light, dark-5 dark) and a stderr line's (red-light: red-1 light, #651515 dark). A colour
 * counts as readable only when it is readable on all of them.
 */
export const LOG_BACKGROUNDS: Record<Scheme, readonly Rgb[]> = {
  light: [
    [248, 249, 250],
    [255, 227, 227],
  ],
  dark: [
    [59, 59, 59],
    [101, 21, 21],
  ],
};
/** The log view's default text colour (Mantine's --mantine-color-text). */
const DEFAULT_TEXT: Record<Scheme, Rgb> = { light: [0, 0, 0], dark: [201, 201, 201] };

export const MIN_CONTRAST = 4.5;

function luminance([r, g, b]: Rgb): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two colours (1–21). */
export function contrast(a: Rgb, b: Rgb): number {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  Math.round(a[0] + (b[0] - a[0]) * t),
  Math.round(a[1] + (b[1] - a[1]) * t),
  Math.round(a[2] + (b[2] - a[2]) * t),
];

/**
 * `color`, moved toward black or white (whichever reads better on the backgrounds) just far enough
 * to reach MIN_CONTRAST against every one of them. Black or white themselves always do for the
 * backgrounds used here.
 */
export function readable(color: Rgb, backgrounds: readonly Rgb[]): Rgb {
  const worst = (c: Rgb) => Math.min(...backgrounds.map((bg) => contrast(c, bg)));
  if (worst(color) >= MIN_CONTRAST) return color;
  const black: Rgb = [0, 0, 0];
  const white: Rgb = [255, 255, 255];
  const target = worst(black) >= worst(white) ? black : white;
  for (let step = 1; step <= 20; step++) {
    const c = mix(color, target, step / 20);
    if (worst(c) >= MIN_CONTRAST) return c;
  }
  return target;
}

const hex = ([r, g, b]: Rgb) => `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
const rgbOf = (c: AnsiColor): Rgb => (typeof c === 'number' ? paletteRgb(c) : c);

export interface SpanCss {
  color?: string;
  backgroundColor?: string;
  fontWeight?: number;
  fontStyle?: 'italic';
  textDecoration?: 'underline';
}

const cache = new Map<string, SpanCss>();

/**
 * The inline style of a span on the log view in `scheme`: every text colour it sets has at least
 * MIN_CONTRAST against what it is drawn on (its own background colour, or the log view's).
 */
export function spanCss(style: AnsiStyle, scheme: Scheme): SpanCss {
  const key = `${scheme}|${JSON.stringify(style)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const css: SpanCss = {};
  if (style.bold) css.fontWeight = 700;
  if (style.italic) css.fontStyle = 'italic';
  if (style.underline) css.textDecoration = 'underline';
  const bg = style.bg === undefined ? null : rgbOf(style.bg);
  const behind = bg ? [bg] : LOG_BACKGROUNDS[scheme];
  if (bg) css.backgroundColor = hex(bg);
  if (style.fg !== undefined || style.dim || bg) {
    let fg = style.fg === undefined ? (bg ? null : DEFAULT_TEXT[scheme]) : rgbOf(style.fg);
    // Text on a colour of its own with no colour given: black or white, whichever reads better.
    if (fg === null && bg)
      fg = contrast([0, 0, 0], bg) >= contrast([255, 255, 255], bg) ? [0, 0, 0] : [255, 255, 255];
    if (fg && style.dim) fg = mix(fg, behind[0] ?? fg, 0.4);
    if (fg) css.color = hex(readable(fg, behind));
  }
  if (cache.size >= 2048) cache.clear();
  cache.set(key, css);
  return css;
}
