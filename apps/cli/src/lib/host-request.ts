import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  HOST_REQUESTS_DIR,
  HostReply,
  REPLY_SUFFIX,
  REQUEST_SUFFIX,
  type HostRequest,
} from '@airlock/contract/host-requests';
import { CliError } from './errors';

type Env = Readonly<Record<string, string | undefined>>;

/** The server's data directory, found the way the server finds it (`--home`, AIRLOCK_HOME, ./.airlock). */
export function serverHome(env: Env, home?: string): string {
  return path.resolve(home ?? (env.AIRLOCK_HOME || '.airlock'));
}

const errnoCode = (err: unknown): string | undefined =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Hands `req` to the server running on this machine with data directory `home`, through
 * `$AIRLOCK_HOME/host-requests/` (see packages/contract/src/host-requests.ts), and waits up to
 * `waitMs` for its answer. Being able to write there is the authorization: the directory is the
 * server user's, mode 0700.
 */
export async function sendHostRequest(home: string, req: HostRequest, waitMs: number): Promise<HostReply> {
  const dir = path.join(home, HOST_REQUESTS_DIR);
  if (!existsSync(dir))
    throw new CliError(
      `${dir} does not exist: no Airlock server has run with the data directory ${home}. Pass --home or set AIRLOCK_HOME to the server's.`,
    );
  const id = randomBytes(18).toString('base64url');
  const request = path.join(dir, id + REQUEST_SUFFIX);
  const reply = path.join(dir, id + REPLY_SUFFIX);
  // A dot name the server never takes, renamed into place so it never reads half a request.
  const tmp = path.join(dir, `.${id}.tmp`);
  try {
    await writeFile(tmp, JSON.stringify(req) + '\n', { mode: 0o600, flag: 'wx' });
    // Run as root, hand the file to the server's user, who must be able to read it (0600).
    if (process.getuid?.() === 0) {
      const owner = await stat(dir);
      await chown(tmp, owner.uid, owner.gid);
    }
    await rename(tmp, request);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (errnoCode(err) === 'EACCES' || errnoCode(err) === 'EPERM')
      throw new CliError(
        `Cannot write to ${dir} (permission denied): run this on the server host as the user the server runs as, or as root.`,
      );
    throw new CliError(
      `Cannot write the request to ${dir}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  const answer = async (deadline: number): Promise<HostReply | null> => {
    for (;;) {
      let text: string | null = null;
      try {
        text = await readFile(reply, 'utf8');
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
      if (text !== null) {
        await unlink(reply).catch(() => undefined);
        const parsed = HostReply.safeParse(JSON.parse(text));
        if (!parsed.success) throw new CliError(`The server's answer in ${reply} was not understood.`);
        return parsed.data;
      }
      if (Date.now() >= deadline) return null;
      await sleep(100);
    }
  };

  const first = await answer(Date.now() + waitMs);
  if (first) return first;
  try {
    await unlink(request);
  } catch (err) {
    // Gone: the server took it just now and is answering.
    if (errnoCode(err) === 'ENOENT') {
      const late = await answer(Date.now() + 5_000);
      if (late) return late;
    }
  }
  throw new CliError(
    `No running Airlock server answered within ${Math.round(waitMs / 1000)} s. Is \`airlock serve\` running with the data directory ${home}? (A server restart also clears every sign-in lockout: they are kept in memory.)`,
  );
}
