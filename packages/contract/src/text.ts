import { z } from 'zod';

/**
 * Names people give things (host labels, token names) are shown to other people, in tables, the
 * audit log and terminals. Characters that render as nothing or reorder the text around them let a
 * name pose as another ("admin‮txt.exe"); a lone surrogate is not text at all, and SQLite stores it
 * as U+FFFD, so the name saved would silently differ from the one sent.
 *
 * The regexes have no `u` flag on purpose: they match UTF-16 code units, which is what JSON.parse
 * keeps (a body may carry "\ud800" escaped) and the only way to see a surrogate that has no pair.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** C0 controls, DEL and C1 controls: matching them is the point. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/**
 * Bidi controls (embeddings/overrides U+202A–202E, isolates U+2066–2069, marks U+200E/200F, the
 * Arabic letter mark U+061C) and zero-width characters (U+200B–200D, word joiner U+2060, BOM U+FEFF).
 */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

const hex = (unit: number) => `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;

/** 1-based position counted in characters as a person sees them (code points), not UTF-16 units. */
const positionOf = (s: string, index: number) => [...s.slice(0, index)].length + 1;

/**
 * Why `s` is not fit to show as a name, or null when it is. Names the first offending character
 * and where it is, so the refusal can be acted on even when the character itself is invisible.
 */
export function displayTextProblem(s: string): string | null {
  const checks: [RegExp, string][] = [
    [LONE_SURROGATE, 'must not contain a lone UTF-16 surrogate, half of a character'],
    [CONTROL, 'must not contain control characters'],
    [INVISIBLE, 'must not contain invisible or direction-changing characters'],
  ];
  let first: { index: number; message: string } | null = null;
  for (const [re, message] of checks) {
    const m = re.exec(s);
    if (m && (first === null || m.index < first.index)) first = { index: m.index, message };
  }
  if (!first) return null;
  return `${first.message} (${hex(s.charCodeAt(first.index))} at position ${positionOf(s, first.index)})`;
}

export interface DisplayNameOptions {
  /** Shortest length after trimming (default 1). */
  min?: number;
  max: number;
  /** Messages for the length checks, e.g. "a label is required". */
  minMessage?: string;
  maxMessage?: string;
}

/**
 * A human-given name shown to others: refused when it holds controls, invisible or
 * direction-changing characters or lone surrogates, then trimmed and length-checked. The check
 * runs before the trim, so a leading BOM or bidi mark is refused rather than quietly trimmed away.
 */
export function displayName(opts: DisplayNameOptions) {
  return z
    .string()
    .superRefine((s, ctx) => {
      const problem = displayTextProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .trim()
    .min(opts.min ?? 1, opts.minMessage ?? 'is required')
    .max(opts.max, opts.maxMessage ?? `must be at most ${opts.max} characters`);
}
