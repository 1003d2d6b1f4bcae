import { authApi } from '@airlock/contract/auth';
import type { Command } from 'commander';
import { z } from 'zod';
import { globalOptions, parseOptions } from '../lib/args';
import type { CommandContext } from '../lib/context';
import { clean, printJson } from '../lib/output';
import { authedClient } from '../lib/session';

const WhoamiOptions = z.object({ json: z.boolean().optional() });

export function registerWhoamiCommand(program: Command, ctx: CommandContext): void {
  program
    .command('whoami')
    .description('show who the stored token signs in as')
    .option('--json', 'print the API answer as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(WhoamiOptions, cmd);
      const { client, session } = await authedClient(ctx.io, globalOptions(cmd));
      const me = await client.call(authApi.me);
      if (opts.json) return printJson(ctx.io, me);
      ctx.io.out(`${clean(me.user.username)} (${me.user.role}) at ${session.url}\n`);
    });
}
