import { Command, CommanderError, Option } from 'commander';
import { registerAuditCommand } from './commands/audit.command';
import { registerFleetCommands } from './commands/fleet.command';
import { registerLoginCommand } from './commands/login.command';
import { registerLogoutCommand } from './commands/logout.command';
import { registerServeCommand } from './commands/serve.command';
import { registerSessionCommands } from './commands/sessions.command';
import { registerTokensCommand } from './commands/tokens.command';
import { registerUsersCommand } from './commands/users.command';
import { registerWhoamiCommand } from './commands/whoami.command';
import type { CommandContext } from './lib/context';
import { exitCodeOf, formatError } from './lib/errors';
import type { Io } from './lib/io';
import pkg from '../package.json' with { type: 'json' };

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;

/** Builds the command tree. Settings are made before any subcommand so every one inherits them. */
export function createProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command('airlock');
  program
    .description(
      'Command line for the Airlock deck: sign in, see hosts and containers, run container actions, check the audit chain, manage users and tokens, run the server.',
    )
    .version(pkg.version, '-V, --version', 'print the CLI version')
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(s),
    })
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addOption(new Option('--url <url>', 'deck URL, overriding the stored one (env AIRLOCK_URL)'))
    .addHelpText(
      'after',
      [
        '',
        'Environment:',
        '  AIRLOCK_URL, AIRLOCK_TOKEN   override the stored URL and token',
        '  AIRLOCK_PASSWORD             password for unlock-gated actions in scripts',
        '  AIRLOCK_CONFIG_DIR           where config.json lives (default $XDG_CONFIG_HOME/airlock or ~/.config/airlock)',
        '',
        'Exit codes: 0 ok, 1 failure (server, network or API error), 2 usage error.',
      ].join('\n'),
    );

  registerServeCommand(program, ctx);
  registerLoginCommand(program, ctx);
  registerFleetCommands(program, ctx);
  registerLogoutCommand(program, ctx);
  registerWhoamiCommand(program, ctx);
  registerAuditCommand(program, ctx);
  registerUsersCommand(program, ctx);
  registerTokensCommand(program, ctx);
  registerSessionCommands(program, ctx);
  return program;
}

function commanderExitCode(err: CommanderError): number {
  switch (err.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT_OK;
    case 'commander.help':
      // `airlock help` asked for it (0); a bare `airlock` or `airlock users` got it instead of a
      // missing subcommand (commander says 1): that is a usage error.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    default:
      // Unknown command/option, missing or invalid argument: commander has printed the message.
      return EXIT_USAGE;
  }
}

/** Runs the CLI for `argv` (without node and script) and returns the exit code; never exits itself. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT_OK };
  try {
    await createProgram(ctx).parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitCode(err);
    io.err(formatError(err));
    return exitCodeOf(err);
  }
}
