import { ApiError } from '@airlock/contract/client';
import { FieldIssue } from '@airlock/contract/errors';
import { z } from 'zod';

/** A failure the user should see as one clear message; exit code 1 unless said otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad input on the command line (exit 2), like commander's own usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

export { ApiError } from '@airlock/contract/client';

const FieldIssues = z.array(FieldIssue);

const HINTS: Partial<Record<string, string>> = {
  unauthenticated: 'Your token was refused (revoked, expired or wrong). Log in again with `airlock login`.',
  forbidden: 'Your account does not have the role this needs.',
  rate_limited: 'Wait a few minutes before trying again.',
};

function hintFor(err: ApiError): string | null {
  return HINTS[err.code] ?? null;
}

/** Everything the user sees when a command fails: one message, never a stack trace. */
export function formatError(err: unknown): string {
  if (err instanceof ApiError) {
    const meta = [`HTTP ${err.status}`];
    if (err.code !== 'bad_response' && err.code !== 'network_error') meta.push(err.code);
    if (err.correlationId) meta.push(`correlation id ${err.correlationId}`);
    const lines = [`error: ${err.message} (${meta.join(', ')})`];
    const issues = FieldIssues.safeParse(err.details);
    if (issues.success) for (const i of issues.data) lines.push(`  - ${i.path}: ${i.message}`);
    const hint = hintFor(err);
    if (hint) lines.push(hint);
    return lines.join('\n') + '\n';
  }
  if (err instanceof UsageError) return `error: ${err.message}\n(add --help for usage)\n`;
  if (err instanceof CliError) return `error: ${err.message}\n`;
  const detail = err instanceof Error ? err.message : String(err);
  return `error: unexpected failure in the CLI: ${detail}\n`;
}

/** The exit code for an error thrown out of a command. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}
