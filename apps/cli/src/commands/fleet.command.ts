import {
  ContainerParams,
  ContainerState,
  Health,
  OperatorVerb,
  StatusClass,
  fleetApi,
} from '@airlock/contract/fleet';
import { hostsApi, type Host } from '@airlock/contract/hosts';
import type { Command } from 'commander';
import { z } from 'zod';
import { globalOptions, parseArg, parseOptions } from '../lib/args';
import type { CommandContext } from '../lib/context';
import { printJson, printTable, shortTime } from '../lib/output';
import { CliError } from '../lib/errors';
import { authedClient } from '../lib/session';

const JsonOption = z.object({ json: z.boolean().optional() });
/** A host as the user names it: its id or its label. */
const HostRef = z.string().trim().min(1, 'must not be empty').max(64, 'is at most 64 characters');

/**
 * The host a user means: the one with this id, else the one with this label (exact, then ignoring
 * case). An ambiguous label is refused with the candidates' ids rather than guessed.
 */
export function resolveHost(hosts: readonly Host[], ref: string): Host {
  const byId = hosts.find((h) => h.id === ref);
  if (byId) return byId;
  let matches = hosts.filter((h) => h.label === ref);
  if (matches.length === 0) matches = hosts.filter((h) => h.label.toLowerCase() === ref.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new CliError(
      `${matches.length} hosts are labelled "${ref}" (${matches.map((h) => h.id).join(', ')}); give the host id instead.`,
    );
  throw new CliError(`No host has the id or label "${ref}". See \`airlock hosts\`.`);
}

const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(item))
    .optional();
const ContainersOptions = z.object({
  json: z.boolean().optional(),
  host: list(HostRef),
  status: list(StatusClass),
  state: list(ContainerState),
  health: list(Health),
  search: z.string().max(256).optional(),
});

export function registerFleetCommands(program: Command, ctx: CommandContext): void {
  program
    .command('hosts')
    .description('list hosts and their status')
    .option('--json', 'print the API answer as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(JsonOption, cmd);
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const hosts = await client.call(hostsApi.list);
      if (opts.json) return printJson(ctx.io, hosts);
      printTable(
        ctx.io,
        ['ID', 'LABEL', 'KIND', 'STATUS', 'SINCE', 'CONTAINERS', 'REASON'],
        hosts.items.map((h) => [
          h.id,
          h.label + (h.protected ? ' (protected)' : ''),
          h.kind,
          h.status.state,
          shortTime(h.status.since),
          String(h.containerCount),
          h.status.reason,
        ]),
        'No hosts yet. Add one in the web UI: Settings → Hosts.',
      );
    });

  const containers = program.command('containers').description('the fleet: list containers, run actions');
  containers
    .command('list', { isDefault: true })
    .description('every container on every host, red first')
    .option('--host <hosts>', 'only these hosts, by id or label (comma-separated)')
    .option('--status <classes>', 'only these classes: red, amber, green (comma-separated)')
    .option('--state <states>', 'only these Docker states, e.g. running,exited')
    .option('--health <values>', 'only these health values: healthy, unhealthy, starting, none')
    .option('--search <text>', 'substring of name, image or label')
    .option('--json', 'print the API answer as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(ContainersOptions, cmd);
      const joined = (v: string[] | undefined) => (v?.length ? v.join(',') : undefined);
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const hosts = (await client.call(hostsApi.list)).items;
      const hostIds = opts.host?.map((ref) => resolveHost(hosts, ref).id);
      const label = (id: string) => hosts.find((h) => h.id === id)?.label ?? id;
      const res = await client.call(fleetApi.list, {
        query: {
          host: joined(hostIds),
          status: joined(opts.status),
          state: joined(opts.state),
          health: joined(opts.health),
          q: opts.search,
        },
      });
      if (opts.json) return printJson(ctx.io, res);
      printTable(
        ctx.io,
        ['STATUS', 'HOST', 'NAME', 'IMAGE', 'STATE', 'HEALTH', 'RESTARTS', 'WHY'],
        res.items.map((c) => [
          c.status.toUpperCase(),
          label(c.hostId),
          c.name,
          c.image,
          c.state,
          c.health,
          String(c.restartCount),
          c.statusReason,
        ]),
        'No containers match.',
      );
      ctx.io.err(
        `${res.counts.red} red, ${res.counts.amber} amber, ${res.counts.green} green in the fleet.\n`,
      );
    });

  containers
    .command('action')
    .description('start, stop, restart, pause or unpause a container (operator; audited)')
    .argument('<host>', 'host id or label (see `airlock hosts`)')
    .argument('<container>', 'container name or id')
    .argument('<verb>', 'start | stop | restart | pause | unpause')
    .action(async (rawHost: string, rawRef: string, rawVerb: string, _opts: unknown, cmd: Command) => {
      const hostRef = parseArg(HostRef, rawHost, 'host');
      const ref = parseArg(ContainerParams.shape.id, rawRef, 'container');
      const verb = parseArg(OperatorVerb, rawVerb, 'verb');
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const host = resolveHost((await client.call(hostsApi.list)).items, hostRef);
      const r = await client.call(fleetApi.action, { params: { hostId: host.id, id: ref, verb } });
      const state = r.container ? ` — now ${r.container.state} (${r.container.status})` : '';
      ctx.io.out(`${verb}: ${r.changed ? 'done' : 'nothing to do'}${state}\n`);
    });
}
