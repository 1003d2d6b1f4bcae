import { tokensApi } from '@airlock/contract/tokens';
import { IdParams } from '@airlock/contract/users';
import type { Command } from 'commander';
import { z } from 'zod';
import { globalOptions, parseArg, parseOptions } from '../lib/args';
import type { CommandContext } from '../lib/context';
import { printJson, printTable, shortTime } from '../lib/output';
import { authedClient } from '../lib/session';
import { tokenIdOf } from '../lib/token';

const JsonOption = z.object({ json: z.boolean().optional() });

export function registerTokensCommand(program: Command, ctx: CommandContext): void {
  const tokens = program.command('tokens').description('list and revoke your API tokens');

  tokens
    .command('list')
    .description('list API tokens (the secrets are never shown again)')
    .option('--json', 'print the API answer as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(JsonOption, cmd);
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const list = await client.call(tokensApi.list);
      if (opts.json) return printJson(ctx.io, list);
      printTable(
        ctx.io,
        ['ID', 'NAME', 'PREFIX', 'ROLE', 'CREATED', 'LAST USED', 'EXPIRES'],
        list.items.map((t) => [
          t.id,
          t.name,
          t.prefix,
          t.role,
          shortTime(t.createdAt),
          shortTime(t.lastUsedAt),
          shortTime(t.expiresAt),
        ]),
        'No API tokens.',
      );
    });

  tokens
    .command('revoke')
    .description('revoke an API token by id (see `airlock tokens list`)')
    .argument('<id>', 'the token id')
    .action(async (rawId: string, _opts: unknown, cmd: Command) => {
      const id = parseArg(IdParams.shape.id, rawId, 'id');
      const { client, session } = await authedClient(ctx.io, globalOptions(cmd));
      await client.call(tokensApi.revoke, { params: { id } });
      ctx.io.out(`Revoked token ${id}.\n`);
      if (tokenIdOf(session.token) === id) {
        ctx.io.err('That was the token this CLI signs in with; run `airlock logout` to forget it.\n');
      }
    });
}
