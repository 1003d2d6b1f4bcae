import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { parseOptions } from '../lib/args';
import type { CommandContext } from '../lib/context';
import { CliError } from '../lib/errors';
import type { ForwardedSignal } from '../lib/io';

const ServeOptions = z.object({
  host: z
    .string()
    .min(1, 'must not be empty')
    .max(253, 'is too long')
    .regex(/^[^\s/]+$/, 'must be a host name or IP address')
    .optional(),
  port: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a whole number from 1 to 65535')
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, 'must be a whole number from 1 to 65535')
        .max(65535, 'must be a whole number from 1 to 65535'),
    )
    .optional(),
  home: z.string().min(1, 'must not be empty').optional(),
});

const FORWARDED: readonly ForwardedSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Client-side secrets never reach the server process. */
const CLIENT_ONLY_ENV = ['AIRLOCK_TOKEN', 'AIRLOCK_PASSWORD', 'AIRLOCK_URL', 'AIRLOCK_CONFIG_DIR'];

export function registerServeCommand(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description('start the deck server in the foreground')
    .option('--host <host>', 'address to listen on (env AIRLOCK_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env AIRLOCK_PORT, default 7070)')
    .option('--home <dir>', 'data directory (env AIRLOCK_HOME)')
    .action(async (_opts: unknown, cmd: Command) => {
      const { io } = ctx;
      const opts = parseOptions(ServeOptions, cmd);
      const entry = io.serverEntry;
      if (!existsSync(entry))
        throw new CliError(`Server build not found at ${entry}; run \`npm run build\` first.`);

      const env: Record<string, string | undefined> = { ...io.env };
      for (const k of CLIENT_ONLY_ENV) delete env[k];
      if (opts.host !== undefined) env.AIRLOCK_HOST = opts.host;
      if (opts.port !== undefined) env.AIRLOCK_PORT = String(opts.port);
      if (opts.home !== undefined) env.AIRLOCK_HOME = path.resolve(opts.home);

      ctx.exitCode = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [entry], { stdio: 'inherit', env });
        // The terminal also signals the child on Ctrl-C (same process group); forwarding covers
        // signals sent to the CLI alone (kill, a service manager).
        const unsubscribe = FORWARDED.map((sig) => io.onSignal(sig, () => void child.kill(sig)));
        const done = (): void => unsubscribe.forEach((u) => u());
        child.once('error', (err) => {
          done();
          reject(new CliError(`Cannot start the server: ${err.message}`));
        });
        child.once('exit', (code, signal) => {
          done();
          resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
        });
      });
    });
}
