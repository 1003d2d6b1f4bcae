import type { LogLine } from '@airlock/contract/fleet';
import { parseAnsi, type AnsiSpan, type AnsiStyle } from './ansi';

/**
 * A log line as the viewer keeps it: a stable key for rendering, what the server sent with `line`
 * as plain text (escape sequences stripped, so search sees what is shown), and its styled runs.
 */
export interface BufferedLine extends LogLine {
  seq: number;
  spans: AnsiSpan[];
}

/** The most lines the viewer keeps; older ones fall off the top (the download has the full tail). */
export const LOG_BUFFER_CAP = 10_000;

/** Appends a batch, numbering lines after `nextSeq`, and keeps only the newest `cap`. */
export function appendLines(
  buffer: readonly BufferedLine[],
  lines: readonly LogLine[],
  nextSeq: number,
  cap: number = LOG_BUFFER_CAP,
): BufferedLine[] {
  // Only the lines that will be kept are parsed (a tail of 10k lines may arrive in one batch).
  const from = Math.max(0, lines.length - cap);
  const added = lines.slice(from).map((l, i) => {
    const spans = parseAnsi(l.line);
    return { ...l, line: spans.map((sp) => sp.text).join(''), spans, seq: nextSeq + from + i };
  });
  const all = buffer.length + added.length > cap ? [...buffer, ...added].slice(-cap) : [...buffer, ...added];
  return all;
}

/** Lines containing `query` (case-insensitive); every line when the query is blank. */
export function filterLines<T extends LogLine>(lines: readonly T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...lines];
  return lines.filter((l) => l.line.toLowerCase().includes(q));
}

export interface Segment {
  text: string;
  match: boolean;
}

/** Splits `text` around every case-insensitive occurrence of `query`, for highlighting as text. */
export function splitMatches(text: string, query: string): Segment[] {
  const q = query.trim().toLowerCase();
  if (!q) return [{ text, match: false }];
  const lower = text.toLowerCase();
  const out: Segment[] = [];
  let at = 0;
  for (;;) {
    const i = lower.indexOf(q, at);
    if (i < 0) break;
    if (i > at) out.push({ text: text.slice(at, i), match: false });
    out.push({ text: text.slice(i, i + q.length), match: true });
    at = i + q.length;
  }
  if (at < text.length) out.push({ text: text.slice(at), match: false });
  return out;
}

/** Total occurrences of `query` across `lines`, for "12 matches". */
export function countMatches(lines: readonly LogLine[], query: string): number {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  let n = 0;
  for (const l of lines) {
    const lower = l.line.toLowerCase();
    for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) n += 1;
  }
  return n;
}

export interface StyledSegment {
  text: string;
  style: AnsiStyle;
  match: boolean;
}

/**
 * A line's styled runs cut at the search matches, so a highlight can cross colour changes and a
 * colour can cross a highlight. `segments` must cover the same text as `spans` (splitMatches of
 * the line's plain text).
 */
export function overlayMatches(spans: readonly AnsiSpan[], segments: readonly Segment[]): StyledSegment[] {
  const out: StyledSegment[] = [];
  let si = 0;
  let spanOff = 0;
  for (const seg of segments) {
    let left = seg.text.length;
    while (left > 0 && si < spans.length) {
      const span = spans[si]!;
      const take = Math.min(left, span.text.length - spanOff);
      out.push({ text: span.text.slice(spanOff, spanOff + take), style: span.style, match: seg.match });
      left -= take;
      spanOff += take;
      if (spanOff >= span.text.length) {
        si++;
        spanOff = 0;
      }
    }
  }
  return out;
}
