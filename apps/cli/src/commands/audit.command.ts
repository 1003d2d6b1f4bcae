import { auditApi, type AuditEvent } from '@airlock/contract/audit';
import type { Command } from 'commander';
import { z } from 'zod';
import { globalOptions, parseOptions } from '../lib/args';
import type { CommandContext } from '../lib/context';
import { clean, printJson, printTable, shortTime } from '../lib/output';
import { authedClient } from '../lib/session';

const VerifyOptions = z.object({ json: z.boolean().optional() });

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `must be a whole number from ${min} to ${max}`)
        .max(max, `must be a whole number from ${min} to ${max}`),
    );

const ListOptions = z.object({
  limit: wholeNumber(1, 500).optional(),
  before: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
  action: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
  actor: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
  json: z.boolean().optional(),
});

function actorLabel(e: AuditEvent): string {
  const name = e.actorName ?? e.actorId;
  if (!name) return e.actorType;
  return e.actorType === 'user' ? name : `${name} (${e.actorType})`;
}

export function registerAuditCommand(program: Command, ctx: CommandContext): void {
  const audit = program.command('audit').description('read and verify the tamper-evident audit log');

  audit
    .command('verify')
    .description('walk the hash chain; exit 1 if any event was edited, deleted or reordered')
    .option('--json', 'print the API answer as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(VerifyOptions, cmd);
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const result = await client.call(auditApi.verify);
      if (!result.ok) ctx.exitCode = 1;
      if (opts.json) return printJson(ctx.io, result);
      if (result.ok) {
        ctx.io.out(`Audit chain intact: ${result.checked} events checked.\n`);
      } else {
        const at = result.firstBadSeq !== undefined ? `event #${result.firstBadSeq}` : 'an unknown event';
        ctx.io.out(`Audit chain BROKEN at ${at}: ${clean(result.reason ?? 'no reason given')}\n`);
      }
    });

  audit
    .command('list')
    .description('list audit events, newest first')
    .option('--limit <n>', 'how many events (1-500, default 50)')
    .option('--before <seq>', 'only events older than this sequence number (paging)')
    .option('--action <action>', 'only actions starting with this, e.g. "auth." or "user.create"')
    .option('--actor <username>', 'only events by this actor')
    .option('--json', 'print the API answer as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(ListOptions, cmd);
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const page = await client.call(auditApi.list, {
        query: { limit: opts.limit, before: opts.before, action: opts.action, actor: opts.actor },
      });
      if (opts.json) return printJson(ctx.io, page);
      printTable(
        ctx.io,
        ['SEQ', 'TIME', 'ACTOR', 'ACTION', 'TARGET'],
        page.items.map((e) => [String(e.seq), shortTime(e.ts), actorLabel(e), e.action, e.target ?? '-']),
        'No audit events match.',
      );
      if (page.nextBefore !== null && page.items.length > 0) {
        ctx.io.err(`(older events: add --before ${page.nextBefore})\n`);
      }
    });
}
