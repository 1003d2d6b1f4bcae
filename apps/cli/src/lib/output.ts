import type { Io } from './io';

/** Pretty JSON, one value per invocation, for scripts. */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

/** Strips control characters so text from the server cannot move the cursor or recolour the terminal. */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/** Plain padded columns; the last column is not padded so lines carry no trailing spaces. */
export function formatTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows].map((r) => r.map(clean));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  return (
    all
      .map((r) =>
        r
          .map((cell, i) =>
            i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length),
          )
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function printTable(io: Io, headers: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) io.out(empty + '\n');
  else io.out(formatTable(headers, rows));
}

/** ISO timestamp → "2025-01-31 14:05" (UTC, marked), or a dash for null. */
export function shortTime(iso: string | null): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return clean(iso);
  return d.toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}
