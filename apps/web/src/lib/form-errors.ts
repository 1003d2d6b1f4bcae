import type { z } from 'zod';
import { ApiError } from '../api/client';

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** The server reports paths like `body.password`; forms only know `password`. */
function fieldOf<F extends string>(path: string, fields: readonly F[]): F | null {
  const parts = path.split('.');
  if (parts[0] === 'body' || parts[0] === 'query' || parts[0] === 'params') parts.shift();
  const first = parts[0];
  return fields.find((f) => f === first) ?? null;
}

/**
 * Splits an error into messages for visible fields and whatever is left for an alert. An error
 * whose every issue lands on a field needs no alert: the message sits next to its cause.
 */
export function splitError<F extends string>(
  err: unknown,
  fields: readonly F[],
): { fields: FieldErrors<F>; alert: unknown } {
  if (!(err instanceof ApiError)) return { fields: {}, alert: err ?? null };
  const issues = err.fieldIssues;
  if (issues.length === 0) return { fields: {}, alert: err };
  const out: FieldErrors<F> = {};
  let unplaced = false;
  for (const issue of issues) {
    const f = fieldOf(issue.path, fields);
    if (f === null) unplaced = true;
    else out[f] ??= capitalize(issue.message);
  }
  return { fields: out, alert: unplaced ? err : null };
}

/** Client-side check with the contract's own schema, so the rules match the server's exactly. */
export function zodFieldErrors<F extends string>(error: z.ZodError, fields: readonly F[]): FieldErrors<F> {
  const out: FieldErrors<F> = {};
  for (const issue of error.issues) {
    const f = fieldOf(issue.path.map(String).join('.'), fields);
    if (f !== null) out[f] ??= capitalize(issue.message);
  }
  return out;
}
