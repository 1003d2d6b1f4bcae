import { Role, Username } from '@airlock/contract/auth';
import { usersApi, type User } from '@airlock/contract/users';
import { Argument, type Command, Option } from 'commander';
import { z } from 'zod';
import type { ApiClient } from '../lib/api.client';
import { globalOptions, parseArg, parseOptions } from '../lib/args';
import type { CommandContext } from '../lib/context';
import { CliError } from '../lib/errors';
import { printJson, printTable, shortTime } from '../lib/output';
import { readNewPassword } from '../lib/password';
import { authedClient } from '../lib/session';
import { sendHostRequest, serverHome } from '../lib/host-request';

const JsonOption = z.object({ json: z.boolean().optional() });
const UnlockLoginOptions = z.object({
  home: z.string().min(1, 'must not be empty').optional(),
  wait: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number of seconds from 1 to 600')
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, 'must be a whole number of seconds from 1 to 600')
        .max(600, 'must be a whole number of seconds from 1 to 600'),
    )
    .optional(),
  json: z.boolean().optional(),
});
const CreateOptions = z.object({
  role: Role,
  passwordStdin: z.boolean().optional(),
  mustChangePassword: z.boolean().optional(),
  json: z.boolean().optional(),
});

/** Usernames are looked up by exact match in the listing; the server's id is what PATCH takes. */
async function findUser(client: ApiClient, username: string): Promise<User> {
  const list = await client.call(usersApi.list);
  const user = list.items.find((u) => u.username === username);
  if (!user) throw new CliError(`No user named "${username}". See \`airlock users list\`.`);
  return user;
}

export function registerUsersCommand(program: Command, ctx: CommandContext): void {
  const users = program.command('users').description('manage user accounts (admin; changes need unlock)');

  users
    .command('list')
    .description('list all users')
    .option('--json', 'print the API answer as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = parseOptions(JsonOption, cmd);
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const list = await client.call(usersApi.list);
      if (opts.json) return printJson(ctx.io, list);
      printTable(
        ctx.io,
        ['USERNAME', 'ROLE', 'STATUS', 'CREATED', 'LAST LOGIN'],
        list.items.map((u) => [
          u.username,
          u.role,
          u.disabled ? 'disabled' : u.mustChangePassword ? 'must change password' : 'active',
          shortTime(u.createdAt),
          shortTime(u.lastLoginAt),
        ]),
        'No users.',
      );
    });

  users
    .command('create')
    .description('create a user; asks for the new password twice (or reads it with --password-stdin)')
    .argument('<username>', 'lowercase letters, digits, dot, dash, underscore')
    .addOption(new Option('--role <role>', "the new user's role").choices(Role.options).makeOptionMandatory())
    .option('--password-stdin', 'read the new password from stdin')
    .option('--must-change-password', 'the user must choose a new password at first sign-in')
    .option('--json', 'print the API answer as JSON')
    .action(async (rawUsername: string, _opts: unknown, cmd: Command) => {
      const username = parseArg(Username, rawUsername, 'username');
      const opts = parseOptions(CreateOptions, cmd);
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const password = await readNewPassword(ctx.io, username, opts.passwordStdin === true);
      const created = await client.call(usersApi.create, {
        body: { username, password, role: opts.role, mustChangePassword: opts.mustChangePassword === true },
      });
      if (opts.json) return printJson(ctx.io, created);
      ctx.io.out(
        `Created user ${username} (${opts.role})${created.mustChangePassword ? '; they must choose a new password at first sign-in' : ''}.\n`,
      );
    });

  users
    .command('set-role')
    .description("change a user's role")
    .argument('<username>', 'the user')
    .addArgument(new Argument('<role>', 'the new role').choices(Role.options))
    .action(async (rawUsername: string, rawRole: string, _opts: unknown, cmd: Command) => {
      const username = parseArg(Username, rawUsername, 'username');
      const role = parseArg(Role, rawRole, 'role');
      const { client } = await authedClient(ctx.io, globalOptions(cmd));
      const user = await findUser(client, username);
      await client.call(usersApi.update, { params: { id: user.id }, body: { role } });
      ctx.io.out(`${username} is now ${role}.\n`);
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(name)
      .description(disabled ? 'disable a user so they can no longer sign in' : 'enable a disabled user again')
      .argument('<username>', 'the user')
      .action(async (rawUsername: string, _opts: unknown, cmd: Command) => {
        const username = parseArg(Username, rawUsername, 'username');
        const { client } = await authedClient(ctx.io, globalOptions(cmd));
        const user = await findUser(client, username);
        await client.call(usersApi.update, { params: { id: user.id }, body: { disabled } });
        ctx.io.out(`${username} is now ${disabled ? 'disabled' : 'enabled'}.\n`);
      });
  }

  users
    .command('unlock-login')
    .description(
      "on the server host: clear a user's sign-in lockout at every address (talks to the running server through its data directory, not the API)",
    )
    .argument('<username>', 'the user')
    .option('--home <dir>', "the server's data directory (env AIRLOCK_HOME, default ./.airlock)")
    .option('--wait <seconds>', 'how long to wait for the running server to answer', '10')
    .option('--json', 'print the answer as JSON')
    .action(async (rawUsername: string, _opts: unknown, cmd: Command) => {
      const username = parseArg(Username, rawUsername, 'username');
      const opts = parseOptions(UnlockLoginOptions, cmd);
      const home = serverHome(ctx.io.env, opts.home);
      const reply = await sendHostRequest(home, { kind: 'unlock-login', username }, (opts.wait ?? 10) * 1000);
      if (!reply.ok) throw new CliError(reply.message);
      if (opts.json) return printJson(ctx.io, reply);
      ctx.io.out(
        reply.lockedAddresses === 0 && reply.failures === 0
          ? `${username} had no sign-in lockout or recent failures; nothing to clear (audited).\n`
          : `Cleared the sign-in lockout of ${username}: ${reply.lockedAddresses} locked address(es) unlocked, ${reply.failures} recent failure(s) forgotten.\n`,
      );
    });
}
