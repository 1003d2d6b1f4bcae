import type { Command } from 'commander';
import type { z } from 'zod';
import { UsageError } from './errors';
import type { GlobalOptions } from './session';

function flagOf(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
}

/** Validates a command's options with zod; any problem is a usage error naming the flag. */
export function parseOptions<S extends z.ZodType>(schema: S, cmd: Command): z.output<S> {
  const r = schema.safeParse(cmd.opts());
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = issue?.path[0];
  const where = typeof key === 'string' ? `option '${flagOf(key)}'` : 'options';
  throw new UsageError(`${where}: ${issue?.message ?? 'invalid'}`);
}

/** Validates one positional argument with zod. */
export function parseArg<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new UsageError(`argument '${name}': ${r.error.issues[0]?.message ?? 'invalid'}`);
}

/** The program-wide options (`--url`), wherever on the command line they were given. */
export function globalOptions(cmd: Command): GlobalOptions {
  const url: unknown = cmd.optsWithGlobals().url;
  return typeof url === 'string' ? { url } : {};
}
