import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CliError } from './errors';

/** What `airlock login` remembers. The token is a secret: the file is 0600 in a 0700 directory. */
export const CliConfig = z
  .object({
    url: z.string().min(1),
    token: z.string().min(1).optional(),
    username: z.string().optional(),
  })
  .strict();
export type CliConfig = z.infer<typeof CliConfig>;

type Env = Readonly<Record<string, string | undefined>>;

/** `$AIRLOCK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/airlock`, else `~/.config/airlock`. */
export function configDir(env: Env): string {
  if (env.AIRLOCK_CONFIG_DIR) return path.resolve(env.AIRLOCK_CONFIG_DIR);
  // XDG says relative values are invalid and must be ignored.
  if (env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME))
    return path.join(env.XDG_CONFIG_HOME, 'airlock');
  return path.join(env.HOME || homedir(), '.config', 'airlock');
}

export function configPath(env: Env): string {
  return path.join(configDir(env), 'config.json');
}

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The stored config, or null when there is none. A damaged file is an error, never "logged out". */
export async function loadConfig(env: Env): Promise<CliConfig | null> {
  const file = configPath(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw new CliError(`Cannot read the config file ${file}: ${reason(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(
      `The config file ${file} is not valid JSON; delete it and run \`airlock login\` again.`,
    );
  }
  const parsed = CliConfig.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || '(top level)'}: ${first.message}` : 'invalid';
    throw new CliError(
      `The config file ${file} is not valid (${where}); delete it and run \`airlock login\` again.`,
    );
  }
  return parsed.data;
}

/**
 * Writes the config atomically: a 0600 temp file in the same directory, fsync, rename over the
 * old one. A crash leaves either the old or the new file, never half of one, and the token is
 * never readable by others, not even for a moment.
 */
export async function saveConfig(env: Env, config: CliConfig): Promise<string> {
  const dir = configDir(env);
  const file = path.join(dir, 'config.json');
  const data = JSON.stringify(CliConfig.parse(config), null, 2) + '\n';
  const tmp = path.join(dir, `.config.json.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.chmod(0o600);
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new CliError(`Cannot write the config file ${file}: ${reason(err)}`);
  }
  return file;
}
