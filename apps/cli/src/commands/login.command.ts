import { CSRF_HEADER, LoginBody, authApi } from '@airlock/contract/auth';
import { tokensApi } from '@airlock/contract/tokens';
import type { Command } from 'commander';
import { z } from 'zod';
import { createCliClient, normalizeBaseUrl } from '../lib/api.client';
import { globalOptions, parseOptions } from '../lib/args';
import { loadConfig, saveConfig } from '../lib/config.store';
import type { CommandContext } from '../lib/context';
import { CliError, UsageError } from '../lib/errors';
import type { Io } from '../lib/io';
import { clean } from '../lib/output';
import { readPassword, readSecretFromStdin } from '../lib/password';
import { checkTokenShape, tokenIdOf } from '../lib/token';

const LoginOptions = z.object({
  token: z.string().optional(),
  tokenStdin: z.boolean().optional(),
  username: LoginBody.shape.username.optional(),
  passwordStdin: z.boolean().optional(),
});
type LoginOptions = z.infer<typeof LoginOptions>;

async function tokenFromOptions(io: Io, opts: LoginOptions): Promise<string | null> {
  const given = [opts.token !== undefined, opts.tokenStdin === true, opts.username !== undefined].filter(
    Boolean,
  ).length;
  if (given > 1) throw new UsageError('give only one of --token, --token-stdin and --username');
  if (opts.passwordStdin && opts.username === undefined)
    throw new UsageError('--password-stdin goes with --username');
  if (opts.token !== undefined) return opts.token.trim();
  if (opts.tokenStdin) return (await readSecretFromStdin(io, 'token')).trim();
  if (opts.username !== undefined) return null;
  const fromEnv = io.env.AIRLOCK_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  throw new UsageError('give --token <token>, --token-stdin or --username <name> (or set AIRLOCK_TOKEN)');
}

/** Cookie header value from Set-Cookie lines: the name=value part of each. */
function cookieHeader(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((c) => (c.split(';')[0] ?? '').trim())
    .filter((c) => c.includes('='))
    .join('; ');
}

/**
 * Password sign-in, used only to mint an API token: log in (cookie session), unlock, create the
 * token, check it works, then log the session out again. The token is the only thing kept.
 */
async function tokenViaPassword<T>(
  io: Io,
  url: string,
  username: string,
  password: string,
  keep: (token: string) => Promise<T>,
): Promise<T> {
  const login = await createCliClient({ baseUrl: url }).send(authApi.login, { body: { username, password } });
  const cookie = cookieHeader(login.headers);
  if (!cookie)
    throw new CliError('The server accepted the password but set no session cookie; cannot continue.');
  const csrf = login.data.csrfToken;
  if (!csrf) throw new CliError('The server gave the session no CSRF token; cannot continue.');
  const session = createCliClient({ baseUrl: url, headers: () => ({ cookie, [CSRF_HEADER]: csrf }) });

  try {
    await session.call(authApi.unlock, { body: { password } });
    const name = `cli@${io.hostname()}`.slice(0, 100);
    const created = await session.call(tokensApi.create, { body: { name } });
    try {
      return await keep(checkTokenShape(created.secret));
    } catch (err) {
      // Do not leave a working token behind that nobody holds.
      await session.call(tokensApi.revoke, { params: { id: created.token.id } }).catch(() => undefined);
      throw err;
    }
  } finally {
    try {
      await session.call(authApi.logout);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      io.err(`warning: could not end the temporary sign-in session: ${why}\n`);
    }
  }
}

export function registerLoginCommand(program: Command, ctx: CommandContext): void {
  program
    .command('login')
    .description('sign in to a deck and store an API token (uses the global --url)')
    .option(
      '--token <token>',
      'an API token created in the web UI (env AIRLOCK_TOKEN); other local users can see arguments, so prefer --token-stdin',
    )
    .option('--token-stdin', 'read the API token from stdin')
    .option('--username <name>', 'sign in with a password instead; a token named cli@<hostname> is created')
    .option('--password-stdin', 'with --username: read the password from stdin')
    .addHelpText(
      'after',
      '\nExamples:\n  airlock login --url http://127.0.0.1:7070 --token-stdin < token.txt\n  airlock login --url http://127.0.0.1:7070 --username alice',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { io } = ctx;
      const opts = parseOptions(LoginOptions, cmd);
      const rawUrl =
        globalOptions(cmd).url ?? (io.env.AIRLOCK_URL || undefined) ?? (await loadConfig(io.env))?.url;
      if (!rawUrl) throw new UsageError('give the deck URL with --url, e.g. --url http://127.0.0.1:7070');
      const url = normalizeBaseUrl(rawUrl);

      // Verify the token with the server before storing it, so a stored token is a working one.
      const keep = async (token: string) => {
        const me = await createCliClient({ baseUrl: url, token }).call(authApi.me);
        const file = await saveConfig(io.env, { url, token, username: me.user.username });
        return { me, file, id: tokenIdOf(token) };
      };
      const token = await tokenFromOptions(io, opts);
      let kept: Awaited<ReturnType<typeof keep>>;
      if (token !== null) {
        kept = await keep(checkTokenShape(token));
      } else {
        const username = opts.username ?? '';
        const password = await readPassword(
          io,
          `Password for ${username} at ${url}: `,
          opts.passwordStdin === true,
        );
        kept = await tokenViaPassword(io, url, username, password, keep);
      }
      io.out(`Logged in to ${url} as ${clean(kept.me.user.username)} (${kept.me.user.role}).\n`);
      io.out(`API token ${kept.id ?? ''} stored in ${kept.file} (readable only by you).\n`);
    });
}
