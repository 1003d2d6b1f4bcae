import type { Command } from 'commander';
import { z } from 'zod';
import { tokensApi } from '@airlock/contract/tokens';
import { createCliClient } from '../lib/api.client';
import { parseOptions } from '../lib/args';
import { loadConfig, saveConfig } from '../lib/config.store';
import type { CommandContext } from '../lib/context';
import { ApiError, CliError } from '../lib/errors';
import { unlockPassword } from '../lib/session';
import { tokenIdOf } from '../lib/token';

const LogoutOptions = z.object({ revoke: z.boolean().optional() });

export function registerLogoutCommand(program: Command, ctx: CommandContext): void {
  program
    .command('logout')
    .description('forget the stored token (the deck URL is kept)')
    .option('--revoke', 'also revoke the token on the server first')
    .action(async (_opts: unknown, cmd: Command) => {
      const { io } = ctx;
      const opts = parseOptions(LogoutOptions, cmd);
      const config = await loadConfig(io.env);
      if (!config?.token) {
        io.out('Not logged in; no stored token to forget.\n');
        if (io.env.AIRLOCK_TOKEN) io.err('Note: AIRLOCK_TOKEN is set in your environment; unset it too.\n');
        return;
      }
      let revoked = '';
      if (opts.revoke) {
        const id = tokenIdOf(config.token);
        if (!id)
          throw new CliError(
            'The stored token is not shaped alk_<id>_<secret>, so its id is unknown; revoke it in the web UI, then run `airlock logout`.',
          );
        const client = createCliClient({
          baseUrl: config.url,
          token: config.token,
          unlockPassword: () => unlockPassword(io, config.username ?? null),
        });
        try {
          await client.call(tokensApi.revoke, { params: { id } });
          revoked = ' and revoked';
        } catch (err) {
          // A token the server no longer accepts is as good as revoked; anything else keeps it stored
          // so the user can retry.
          if (!(err instanceof ApiError && err.status === 401)) throw err;
          revoked = ' (the server no longer accepted it)';
        }
      }
      await saveConfig(io.env, { url: config.url });
      io.out(`Logged out of ${config.url}; the token was forgotten${revoked}.\n`);
    });
}
