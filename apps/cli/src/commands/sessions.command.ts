import { sessionsApi, SessionParams, type Orphan } from '@airlock/contract/sessions';
import type { Command } from 'commander';
import { z } from 'zod';
import { globalOptions, parseArg, parseOptions } from '../lib/args';
import type { CommandContext } from '../lib/context';
import { UsageError } from '../lib/errors';
import { clean, printJson, printTable, shortTime } from '../lib/output';
import { authedClient } from '../lib/session';

const JsonOption = z.object({ json: z.boolean().optional() });
const RunOptions = z.object({
  workdir: z.string().optional(),
  timeout: z.coerce.number().int().min(1, 'must be at least 1 second').max(3600).optional(),
  keep: z.boolean().optional(),
});

/** What `airlock run` exits with when the command was killed at its timeout (as `timeout(1)` does). */
export const EXIT_TIMED_OUT = 124;

export function registerSessionCommands(program: Command, ctx: CommandContext): void {
  const { io } = ctx;

  program
    .command('run')
    .description(
      'run a command in a new sealed sandbox under a profile, print its output, remove the sandbox',
    )
    .argument('<profile>', 'the profile (name or id)')
    .argument('<argv...>', 'the command and its arguments (put -- before them)')
    .option('--workdir <name>', 'a named work dir under $AIRLOCK_HOME/work/ (kept afterwards)')
    .option('--timeout <seconds>', "kill the command after this many seconds (default: the server's)")
    .option('--keep', 'keep the session afterwards (remove it with `airlock sessions rm <id>`)')
    .addHelpText(
      'after',
      "\nExample:\n  airlock run coding -- curl -sS https://api.github.com/zen\n\nThe exit code is the command's (124 if it timed out).",
    )
    .action(async (profile: string, argv: string[], _opts: unknown, cmd: Command) => {
      const opts = parseOptions(RunOptions, cmd);
      // Each call may last as long as the command may run.
      const { client } = await authedClient(io, globalOptions(cmd), {
        timeoutMs: (opts.timeout ?? 3600) * 1000 + 30_000,
      });
      // Piped input goes to the command; a terminal's does not (it would wait for an EOF).
      const stdin = io.interactive ? undefined : await io.readAll();
      const session = await client.call(sessionsApi.create, {
        body: { profile, ...(opts.workdir ? { workdir: opts.workdir } : {}) },
      });
      try {
        const r = await client.call(sessionsApi.exec, {
          params: { id: session.id },
          body: {
            argv,
            ...(stdin ? { stdin } : {}),
            ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
          },
        });
        io.out(r.stdout);
        io.err(r.stderr);
        if (r.truncated) io.err("airlock: output was cut at the server's limit (sessions.execOutputBytes)\n");
        if (r.timedOut) io.err('airlock: the command was killed at its timeout\n');
        ctx.exitCode = r.exitCode ?? EXIT_TIMED_OUT;
        const blocked = (await client.call(sessionsApi.get, { params: { id: session.id } })).recentBlocks;
        for (const b of blocked.slice(0, 5).reverse())
          io.err(
            `airlock: blocked ${clean(b.method)} ${clean(b.host)}:${b.port}${clean(b.path)} (${clean(b.rule)})\n`,
          );
      } finally {
        if (opts.keep) io.err(`airlock: kept session ${session.id}\n`);
        else await client.call(sessionsApi.remove, { params: { id: session.id } });
      }
    });

  const sessions = program.command('sessions').description('list, show and remove sealed sessions');
  sessions
    .command('list', { isDefault: true })
    .description('list sealed sessions')
    .option('--json', 'print the API answer as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(JsonOption, cmd);
      const { client } = await authedClient(io, globalOptions(cmd));
      const list = await client.call(sessionsApi.list);
      if (opts.json) return printJson(io, list);
      printTable(
        io,
        ['ID', 'PROFILE', 'RUNTIME', 'STATE', 'BLOCKED', 'BY', 'CREATED'],
        list.items.map((s) => [
          s.id,
          s.profileName,
          s.runtime,
          s.stateReason ? `${s.state} (${s.stateReason})` : s.state,
          String(s.blockedCount),
          s.createdBy,
          shortTime(s.createdAt),
        ]),
        'No sessions.',
      );
    });
  sessions
    .command('show')
    .description('one session, with its most recent blocks')
    .argument('<id>', 'the session id')
    .option('--json', 'print the API answer as JSON')
    .action(async (rawId: string, _opts: unknown, cmd: Command) => {
      const opts = parseOptions(JsonOption, cmd);
      const id = parseArg(SessionParams.shape.id, rawId, 'id');
      const { client } = await authedClient(io, globalOptions(cmd));
      const s = await client.call(sessionsApi.get, { params: { id } });
      if (opts.json) return printJson(io, s);
      io.out(
        `${s.id}  ${s.profileName} (${s.runtime})  ${s.state}${s.stateReason ? ` (${s.stateReason})` : ''}\n`,
      );
      io.out(`created ${shortTime(s.createdAt)} by ${s.createdBy}; ${s.blockedCount} request(s) blocked\n`);
      if (s.recentBlocks.length)
        printTable(
          io,
          ['AT', 'METHOD', 'TARGET', 'RULE'],
          s.recentBlocks.map((b) => [shortTime(b.at), b.method, `${b.host}:${b.port}${b.path}`, b.rule]),
          '',
        );
    });
  sessions
    .command('rm')
    .description('stop and remove a session (sandbox, socket, policy)')
    .argument('<id>', 'the session id')
    .action(async (rawId: string, _opts: unknown, cmd: Command) => {
      const id = parseArg(SessionParams.shape.id, rawId, 'id');
      const { client } = await authedClient(io, globalOptions(cmd));
      await client.call(sessionsApi.remove, { params: { id } });
      io.out(`Removed session ${id}.\n`);
    });

  program
    .command('cleanup')
    .description('remove sandboxes, sockets and gateway policies that belong to no session (admin)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(z.object({ yes: z.boolean().optional() }), cmd);
      const { client } = await authedClient(io, globalOptions(cmd));
      const { items } = await client.call(sessionsApi.orphans);
      if (items.length === 0) return io.out('Nothing to clean up.\n');
      io.out(`Will remove ${items.length} orphan(s):\n`);
      for (const o of items) io.out(`  ${describe(o)}\n`);
      if (!opts.yes) {
        if (!io.interactive)
          throw new UsageError('there is no terminal to confirm on: add --yes to remove them');
        io.err('Remove them? [y/N] ');
        const answer = (await io.readLine())?.trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes') return io.out('Nothing removed.\n');
      }
      const r = await client.call(sessionsApi.cleanup);
      io.out(`Removed ${r.removed.length} orphan(s).\n`);
    });
}

function describe(o: Orphan): string {
  return `${o.kind.padEnd(7)} ${o.sessionId}  ${clean(o.detail)}`;
}
