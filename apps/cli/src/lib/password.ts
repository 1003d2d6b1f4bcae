import { NewPassword } from '@airlock/contract/auth';
import { CliError, UsageError } from './errors';
import type { Io } from './io';

/** `--password-stdin` / `--token-stdin`: all of stdin minus one trailing line ending (like docker login). */
export async function readSecretFromStdin(io: Io, what: string): Promise<string> {
  const text = (await io.readAll()).replace(/\r?\n$/, '');
  if (text === '') throw new UsageError(`no ${what} on stdin (pipe it in, or run in a terminal to be asked)`);
  return text;
}

/** A password for signing in: hidden prompt on a terminal, else one line of stdin. */
export async function readPassword(io: Io, question: string, fromStdin: boolean): Promise<string> {
  let password: string | null;
  if (fromStdin) password = await readSecretFromStdin(io, 'password');
  else if (io.interactive) password = await io.promptHidden(question);
  else password = await io.readLine();
  if (!password) throw new CliError('No password given.');
  return password;
}

/** A new user's password: typed twice on a terminal, else from stdin; checked against the server's rules. */
export async function readNewPassword(io: Io, username: string, fromStdin: boolean): Promise<string> {
  let password: string;
  if (!fromStdin && io.interactive) {
    password = await io.promptHidden(`New password for ${username}: `);
    const again = await io.promptHidden('Repeat it: ');
    if (password !== again) throw new UsageError('the two passwords differ; nothing was changed');
  } else {
    password = await readPassword(io, '', true);
  }
  const r = NewPassword.safeParse(password);
  if (!r.success) throw new UsageError(`password ${r.error.issues[0]?.message ?? 'is not acceptable'}`);
  return password;
}
