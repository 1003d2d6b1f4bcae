import { createCliClient, normalizeBaseUrl, type ApiClient } from './api.client';
import { loadConfig } from './config.store';
import { CliError } from './errors';
import type { Io } from './io';

export const NOT_LOGGED_IN =
  'Not logged in. Run `airlock login --url http://127.0.0.1:7070 --token <token>`.';

/** Options every command inherits from the program. */
export interface GlobalOptions {
  url?: string;
}

export interface Session {
  url: string;
  token: string;
  /** Who the stored token belongs to, when known. */
  username: string | null;
}

/**
 * Where to talk and with which token: `--url`, then AIRLOCK_URL, then the config file for the
 * URL; AIRLOCK_TOKEN, then the config file for the token. A stored token is only ever sent to the
 * server it was issued by, so a mistyped `--url` cannot hand it to some other host.
 */
export async function resolveSession(io: Io, global: GlobalOptions): Promise<Session> {
  const config = await loadConfig(io.env);
  const override = global.url ?? (io.env.AIRLOCK_URL || undefined);
  const url = override !== undefined ? normalizeBaseUrl(override) : config?.url;
  const envToken = io.env.AIRLOCK_TOKEN || undefined;
  const token = envToken ?? config?.token;
  if (!url || !token) throw new CliError(NOT_LOGGED_IN);
  if (!envToken && config && new URL(url).origin !== new URL(config.url).origin) {
    throw new CliError(
      `The stored token belongs to ${config.url}, not ${url}; it is not sent elsewhere. ` +
        `Log in to ${url} with \`airlock login --url ${url} ...\`, or set AIRLOCK_TOKEN.`,
    );
  }
  return { url, token, username: envToken ? null : (config?.username ?? null) };
}

/**
 * The password for an unlock: AIRLOCK_PASSWORD (for scripts), else a prompt on the terminal.
 * Stdin is not read here: commands may already use it for other input.
 */
export async function unlockPassword(io: Io, username: string | null): Promise<string> {
  const fromEnv = io.env.AIRLOCK_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!io.interactive) {
    throw new CliError(
      'This action needs a fresh unlock with your password, and there is no terminal to ask on. ' +
        'For scripts, set AIRLOCK_PASSWORD in the environment.',
    );
  }
  io.err('This action is marked dangerous and needs your password to unlock it (for 10 minutes).\n');
  const password = await io.promptHidden(username ? `Password for ${username}: ` : 'Password: ');
  if (password === '') throw new CliError('No password given; nothing was changed.');
  return password;
}

/** A client for the logged-in user that unlocks on demand. */
export async function authedClient(
  io: Io,
  global: GlobalOptions,
  /** Per request; for commands whose calls last as long as what they run. */
  opts: { timeoutMs?: number } = {},
): Promise<{ client: ApiClient; session: Session }> {
  const session = await resolveSession(io, global);
  const client = createCliClient({
    baseUrl: session.url,
    token: session.token,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    unlockPassword: () => unlockPassword(io, session.username),
  });
  return { client, session };
}
