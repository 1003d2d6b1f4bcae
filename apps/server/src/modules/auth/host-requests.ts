import { chmodSync, constants, mkdirSync } from 'node:fs';
import { lstat, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  HostRequest,
  MAX_HOST_REQUEST_BYTES,
  REPLY_SUFFIX,
  REQUEST_SUFFIX,
  type HostReply,
} from '@airlock/contract/host-requests';
import { writeFileAtomic } from '../../config/home';

/** A request or reply nobody collected within this long is removed (its CLI gave up). */
const STALE_MS = 60_000;
const REQUEST_FILE = /^[A-Za-z0-9_-]{16,64}\.request\.json$/;
const REPLY_FILE = /^[A-Za-z0-9_-]{16,64}\.reply\.json$/;

export interface HostRequestOptions {
  /** `$AIRLOCK_HOME/host-requests`. */
  dir: string;
  handle: (req: HostRequest) => Promise<HostReply>;
  warn: (msg: string, err: unknown) => void;
  intervalMs?: number;
}

/**
 * Takes requests the server host's operator drops into `$AIRLOCK_HOME/host-requests/` (the CLI's
 * `airlock users unlock-login`). The limiter lives in this process's memory, so the CLI must reach
 * the running server; a file in the 0700 data directory proves the writer is the machine's operator
 * (or root) without a network endpoint, a new guard or a secret to manage. Polled, because
 * fs.watch is unreliable across file systems; a readdir of a near-empty directory is cheap.
 */
export class HostRequestInbox {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly opts: HostRequestOptions) {}

  start(): void {
    mkdirSync(this.opts.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.opts.dir, 0o700);
    this.timer = setInterval(() => void this.poll(), this.opts.intervalMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const name of await readdir(this.opts.dir)) {
        const file = path.join(this.opts.dir, name);
        try {
          if (REQUEST_FILE.test(name)) await this.take(file, name.slice(0, -REQUEST_SUFFIX.length));
          else if (REPLY_FILE.test(name) && Date.now() - (await lstat(file)).mtimeMs > STALE_MS)
            await unlink(file);
        } catch (err) {
          this.opts.warn(`host request ${name} failed`, err);
        }
      }
    } catch (err) {
      this.opts.warn('cannot read the host-requests directory', err);
    } finally {
      this.busy = false;
    }
  }

  private async take(file: string, id: string): Promise<void> {
    // O_NOFOLLOW and fstat of the opened file: what is checked is what is read.
    const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
      async (err: unknown) => {
        // A symlink or something unopenable: drop it, so it is reported once, not every poll.
        await unlink(file).catch(() => undefined);
        throw err;
      },
    );
    let body: Buffer | null = null;
    let st: Awaited<ReturnType<typeof fh.stat>>;
    try {
      st = await fh.stat();
      const uid = process.getuid?.();
      if (st.isFile() && st.size <= MAX_HOST_REQUEST_BYTES && (uid === undefined || st.uid === uid))
        body = await fh.readFile();
    } finally {
      await fh.close();
    }
    // Removed before it is acted on, so a request is carried out at most once.
    await unlink(file);
    if (Date.now() - st.mtimeMs > STALE_MS) return;
    let reply: HostReply;
    if (!body) {
      reply = { ok: false, message: 'The request must be a small regular file owned by the server user.' };
    } else {
      const parsed = HostRequest.safeParse(parseJson(body));
      reply = parsed.success
        ? await this.opts.handle(parsed.data).catch((err: unknown) => {
            this.opts.warn(`host request ${id} failed`, err);
            return {
              ok: false as const,
              message: 'The server could not carry out the request; see its log.',
            };
          })
        : { ok: false, message: 'Unreadable request.' };
    }
    writeFileAtomic(path.join(this.opts.dir, id + REPLY_SUFFIX), JSON.stringify(reply) + '\n');
  }
}

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return null;
  }
}
