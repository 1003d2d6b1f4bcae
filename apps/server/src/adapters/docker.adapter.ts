import Docker from 'dockerode';
import type { IncomingMessage } from 'node:http';
import { addAbortSignal, Readable } from 'node:stream';
import { z } from 'zod';
import type { Duplex } from 'node:stream';
import {
  ContainerRef,
  type ContainerDetail,
  type ContainerEvent,
  type ContainerStats,
  type ContainerVerb,
  type LogLine,
} from '@airlock/contract/fleet';
import { engineText } from '../lib/engine-text';
import { badRequest, conflict, errorMessage, notFound, UpstreamError, UserError } from '../lib/errors';
import { EngineAnswerTooLarge } from '../lib/adapter-errors';
import { ANSWER_CAPS, answerKind, parseAnswer, readCapped, type ModemInternals } from './docker-answers';
import { MARKER_WAIT_MS, SESSION_SIGNAL_SCRIPT, takePidMarker } from './docker-exec';
import { JsonLines, LogDemuxer } from './docker-logs';
import type {
  ActionResult,
  DescribeContainer,
  Engine,
  ExecSession,
  ExecTermination,
  LogsOptions,
} from '../modules/fleet/engine.port';

/**
 * The Docker Engine API, for one engine (local socket, or an SSH-forwarded one). The only place that
 * imports dockerode. Everything Docker returns is validated (zod) before it is mapped to contract
 * types; every non-streaming call has a timeout; streams are destroyed when their signal aborts.
 */

export interface DockerEngineOptions {
  /** The host record's id: names the upstream in errors (`docker@<hostId>`) and fills `hostId`. */
  hostId: string;
  /** A unix socket (default `/var/run/docker.sock`) ... */
  socketPath?: string;
  /** ... or full dockerode/docker-modem options, e.g. a socket forwarded over SSH, reused as is. */
  modem?: Docker.DockerOptions;
  /** Timeout for every non-streaming call, and for opening a stream. Default 10 s. */
  timeoutMs?: number;
  /** How many containers `list` inspects at once. Default 8. */
  inspectConcurrency?: number;
  /** Inspect document → ContainerDetail (validated, classified, masked): the fleet's, handed in. */
  describe: DescribeContainer;
}

// ---- Docker's shapes: only the fields used, validated -------------------------------------------

const StringRecord = z.record(z.string(), z.string());

const ListItemSchema = z.object({ Id: z.string().regex(/^[0-9a-f]{64}$/) });
const ListSchema = z.array(ListItemSchema);

const StatsSchema = z.object({
  read: z.string().optional(),
  pids_stats: z.object({ current: z.number().optional() }).nullish(),
  cpu_stats: z
    .object({
      cpu_usage: z.object({ total_usage: z.number() }).nullish(),
      system_cpu_usage: z.number().optional(),
      online_cpus: z.number().optional(),
    })
    .nullish(),
  precpu_stats: z
    .object({
      cpu_usage: z.object({ total_usage: z.number() }).nullish(),
      system_cpu_usage: z.number().optional(),
    })
    .nullish(),
  memory_stats: z
    .object({
      usage: z.number().optional(),
      limit: z.number().optional(),
      stats: z.record(z.string(), z.number()).nullish(),
    })
    .nullish(),
  networks: z.record(z.string(), z.object({ rx_bytes: z.number(), tx_bytes: z.number() })).nullish(),
  blkio_stats: z
    .object({
      io_service_bytes_recursive: z.array(z.object({ op: z.string(), value: z.number() })).nullish(),
    })
    .nullish(),
});

/** What the adapter reads of an inspect document; the rest is the fleet's (DescribeContainer). */
const InspectHeadSchema = z.object({
  Id: z.string().regex(/^[0-9a-f]{64}$/),
  Config: z.object({ Tty: z.boolean().nullish() }),
});
type InspectHead = z.infer<typeof InspectHeadSchema>;

const ExecInspectSchema = z.object({ ExitCode: z.number().int().nullable(), Running: z.boolean() });

const EventSchema = z.object({
  Type: z.string().optional(),
  Action: z.string(),
  Actor: z.object({ ID: z.string(), Attributes: StringRecord.nullish() }),
  time: z.number().optional(),
  timeNano: z.number().optional(),
});

// ---- helpers --------------------------------------------------------------------------------------

const statusCodeOf = (err: unknown): number | undefined => {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const code = err.statusCode;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
};

/** Docker's own message from an error response (`{"message": "..."}`), if any, made safe to show. */
function dockerMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = err.json;
    if (typeof json === 'object' && json !== null && 'message' in json) {
      const m = json.message;
      if (typeof m === 'string') return engineText(m);
    }
  }
  return engineText(errorMessage(err));
}

/** Node's HTTP parser refused the bytes: whatever answered does not speak HTTP. */
const isHttpParseError = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  'code' in err &&
  typeof err.code === 'string' &&
  err.code.startsWith('HPE_');

class Timeout extends Error {}
/** Extra time allowed for stop/restart on top of the call timeout (covers Docker's default 10 s grace). */
const STOP_ALLOWANCE_MS = 30_000;
/** Docker's 304: the container is already in the requested state. */
class NotModified extends Error {}

function parseRef(ref: string): string {
  const r = ContainerRef.safeParse(ref);
  if (!r.success) {
    throw badRequest(`Invalid container reference: ${r.error.issues[0]?.message ?? 'refused'}`, {
      field: 'ref',
    });
  }
  return r.data;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---- the engine -----------------------------------------------------------------------------------

export class DockerEngine implements Engine {
  readonly hostId: string;
  readonly upstream: string;
  private readonly docker: Docker;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly describe: DescribeContainer;
  /** The socket this engine is reached at (on the SSH host for a tunnelled one), for fixed wording. */
  private readonly socketPath: string;
  /**
   * Set once the peer answered as a Docker API (an `Api-Version` header, or /_ping said "OK"). Until
   * then its refusals are not shown: a socket path aimed at some other service would put that
   * service's text in the host's status, which every viewer reads.
   */
  private speaksDocker = false;
  private tooLargeListener: ((err: EngineAnswerTooLarge) => void) | null = null;

  constructor(opts: DockerEngineOptions) {
    this.hostId = opts.hostId;
    this.upstream = `docker@${opts.hostId}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.concurrency = opts.inspectConcurrency ?? 8;
    this.describe = opts.describe;
    this.socketPath = opts.modem?.socketPath ?? opts.socketPath ?? '/var/run/docker.sock';
    // No modem-level timeout: it would also cut long-lived streams. Calls time out in `call`.
    this.docker = new Docker(opts.modem ?? { socketPath: this.socketPath });
    this.capAnswers(this.docker.modem as unknown as ModemInternals);
  }

  /** Called whenever an answer passed its cap, whoever asked (the runtime marks the host degraded). */
  onAnswerTooLarge(cb: (err: EngineAnswerTooLarge) => void): void {
    this.tooLargeListener = cb;
  }

  async ping(timeoutMs: number = this.timeoutMs): Promise<void> {
    // dockerode accepts options on ping; its type definitions do not say so.
    const ping = this.docker.ping.bind(this.docker) as unknown as (opts: {
      abortSignal: AbortSignal;
    }) => Promise<unknown>;
    const body = await this.call('ping', (abortSignal) => ping({ abortSignal }), timeoutMs);
    if (!this.speaksDocker) {
      const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
      if (text.trim() !== 'OK') throw this.notDocker();
      this.speaksDocker = true;
    }
  }

  /** Every container on this engine (running or not), classified, in full detail (env masked). */
  async list(hostId: string = this.hostId): Promise<ContainerDetail[]> {
    const raw = await this.call('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, abortSignal }),
    );
    const items = this.validate(ListSchema, raw, 'container list');
    const rows = await mapLimit(items, this.concurrency, async (item) => {
      try {
        return this.detail(hostId, await this.inspectRaw(item.Id));
      } catch (err) {
        // Removed between list and inspect: it is simply gone.
        if (err instanceof UserError && err.status === 404) return null;
        throw err;
      }
    });
    return rows.filter((r): r is ContainerDetail => r !== null);
  }

  /** Full detail of one container, env and token-shaped values masked. */
  async inspect(ref: string, hostId: string = this.hostId): Promise<ContainerDetail> {
    const info = await this.inspectRaw(parseRef(ref));
    return this.detail(hostId, info);
  }

  /**
   * Runs one allowlisted verb. The switch is the allowlist: there is no dynamic dispatch on the verb.
   * `remove` never forces: a running container must be stopped first (409 with Docker's reason).
   * Stop and restart use the container's own stop timeout (StopTimeout, default 10 s); the call
   * allows that plus a margin before it reports a timeout.
   */
  async action(ref: string, verb: ContainerVerb): Promise<ActionResult> {
    const c = this.docker.getContainer(parseRef(ref));
    const run = async (fn: (abortSignal: AbortSignal) => Promise<unknown>, timeoutMs = this.timeoutMs) => {
      try {
        await this.call(`${verb} container`, fn, timeoutMs);
        return true;
      } catch (err) {
        if (err instanceof NotModified) return false;
        throw err;
      }
    };
    let changed: boolean;
    switch (verb) {
      case 'start':
        changed = await run((abortSignal) => c.start({ abortSignal }));
        break;
      case 'stop':
        changed = await run((abortSignal) => c.stop({ abortSignal }), this.timeoutMs + STOP_ALLOWANCE_MS);
        break;
      case 'restart':
        changed = await run((abortSignal) => c.restart({ abortSignal }), this.timeoutMs + STOP_ALLOWANCE_MS);
        break;
      case 'pause':
        changed = await run((abortSignal) => c.pause({ abortSignal }));
        break;
      case 'unpause':
        changed = await run((abortSignal) => c.unpause({ abortSignal }));
        break;
      case 'remove':
        changed = await run((abortSignal) => c.remove({ force: false, v: false, abortSignal }));
        break;
      default: {
        const never: never = verb;
        throw badRequest(`Unknown container action: ${String(never)}`);
      }
    }
    return { verb, changed };
  }

  /** One resource snapshot (Docker samples twice, ~1 s apart, to compute CPU %). */
  async stats(ref: string): Promise<ContainerStats> {
    const c = this.docker.getContainer(parseRef(ref));
    const raw: unknown = await this.call('read container stats', (abortSignal) =>
      c.stats({ stream: false, abortSignal } as { stream: false }),
    );
    const s = this.validate(StatsSchema, raw, 'stats');
    const cpuDelta =
      (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const sysDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats?.online_cpus ?? 1;
    const mem = s.memory_stats;
    // As `docker stats` does: page cache is not "used" memory.
    const cache = mem?.stats?.inactive_file ?? mem?.stats?.total_inactive_file ?? 0;
    const used = mem?.usage !== undefined ? mem.usage - cache : null;
    const limit = mem?.limit ?? null;
    const nets = Object.values(s.networks ?? {});
    // No entries means no I/O yet (0, as `docker stats` prints); no blkio section means unknown.
    const blk = s.blkio_stats ? (s.blkio_stats.io_service_bytes_recursive ?? []) : null;
    const sumOp = (op: string) =>
      blk ? blk.filter((b) => b.op.toLowerCase() === op).reduce((n, b) => n + b.value, 0) : null;
    return {
      at: s.read && !s.read.startsWith('0001') ? new Date(s.read).toISOString() : new Date().toISOString(),
      cpuPercent: sysDelta > 0 && cpuDelta >= 0 ? (cpuDelta / sysDelta) * cpus * 100 : null,
      memoryBytes: used,
      memoryLimitBytes: limit,
      memoryPercent: used !== null && limit ? (used / limit) * 100 : null,
      netRxBytes: nets.length ? nets.reduce((n, x) => n + x.rx_bytes, 0) : null,
      netTxBytes: nets.length ? nets.reduce((n, x) => n + x.tx_bytes, 0) : null,
      blockReadBytes: sumOp('read'),
      blockWriteBytes: sumOp('write'),
      pids: s.pids_stats?.current ?? null,
    };
  }

  /**
   * Starts an interactive shell in a running container: bash when the image has it, else sh. The
   * command is fixed here; nothing from the caller reaches it. Closing `stream` ends the session.
   */
  async exec(ref: string, cols: number, rows: number): Promise<ExecSession & { shell: string }> {
    const id = parseRef(ref);
    const c = this.docker.getContainer(id);
    const shell =
      'printf \'\\033]airlock-pid;%s\\007\' "$$"; ' +
      'if [ -x /bin/bash ]; then exec /bin/bash -i; else exec /bin/sh -i; fi';
    const exec = await this.call('create exec', (abortSignal) =>
      c.exec({
        Cmd: ['/bin/sh', '-c', shell],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        Env: ['TERM=xterm-256color', `COLUMNS=${cols}`, `LINES=${rows}`],
        abortSignal,
      }),
    );
    const stream: Duplex = await this.call('start exec', () =>
      exec.start({ hijack: true, stdin: true, Tty: true }),
    );
    stream.pause();
    const pid = await takePidMarker(stream, MARKER_WAIT_MS);
    const resize = async (w: number, h: number) => {
      try {
        await this.call('resize exec', (abortSignal) => exec.resize({ w, h, abortSignal }));
      } catch {
        // Resizing races with the shell exiting; a failed resize is not worth ending the session.
      }
    };
    await resize(cols, rows);
    return {
      stream,
      pid,
      shell: 'bash if the image has it, else sh',
      resize,
      exitCode: async () => {
        try {
          const raw: unknown = await this.call('inspect exec', (abortSignal) =>
            exec.inspect({ abortSignal }),
          );
          return this.validate(ExecInspectSchema, raw, 'exec inspect').ExitCode;
        } catch {
          return null;
        }
      },
      terminate: () => this.terminateSession(id, pid),
    };
  }

  /** HUP the shell's session, give it a second, KILL what is left; report whether anything survived. */
  private async terminateSession(id: string, sid: number | null): Promise<ExecTermination> {
    if (sid === null) return { ended: null, signal: null };
    const signal = async (sig: 'HUP' | 'KILL' | '0'): Promise<number | null> => {
      try {
        return await this.runQuiet(id, [
          '/bin/sh',
          '-c',
          SESSION_SIGNAL_SCRIPT,
          'airlock-end',
          String(sid),
          sig,
        ]);
      } catch (err) {
        // A container that stopped meanwhile has no processes left to end.
        return statusCodeOf(err) === 409 || /is not running/i.test(String(err)) ? 0 : null;
      }
    };
    const found = await signal('HUP');
    if (found === null) return { ended: null, signal: null };
    if (found === 0) return { ended: true, signal: null };
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const left = await signal('0');
      if (left === 0) return { ended: true, signal: 'HUP' };
    }
    await signal('KILL');
    await new Promise((r) => setTimeout(r, 200));
    const left = await signal('0');
    return { ended: left === null ? null : left === 0, signal: 'KILL' };
  }

  /** Runs a short command in a container with no TTY and no output kept; resolves with its exit code. */
  private async runQuiet(id: string, cmd: string[]): Promise<number | null> {
    const exec = await this.call('create exec', (abortSignal) =>
      this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, abortSignal }),
    );
    const stream: Duplex = await this.call('start exec', () => exec.start({ hijack: true, stdin: false }));
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
      stream.resume();
    });
    // The attach stream can end a moment before the engine records the exit.
    for (let i = 0; ; i++) {
      const raw: unknown = await this.call('inspect exec', (abortSignal) => exec.inspect({ abortSignal }));
      const r = this.validate(ExecInspectSchema, raw, 'exec inspect');
      if (!r.Running || i >= 20) return r.Running ? null : r.ExitCode;
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /**
   * Container events, live. Resolves once the stream is open (or throws UpstreamError); the iterator
   * ends when `signal` aborts (the HTTP stream is destroyed) and throws UpstreamError if the engine
   * ends the stream on its own (engine gone: the host watcher should mark it unreachable).
   */
  async events(signal: AbortSignal): Promise<AsyncIterable<ContainerEvent>> {
    const stream = await this.openStream('events', signal, (abortSignal) =>
      this.docker.getEvents({ filters: { type: ['container'] }, abortSignal }),
    );
    const parser = new JsonLines();
    const validate = (v: unknown) => this.validate(EventSchema, v, 'event');
    const upstream = this.upstream;
    return iterate(
      stream,
      signal,
      function* (chunk) {
        for (const raw of parser.push(chunk)) {
          const e = validate(raw);
          if (e.Type !== undefined && e.Type !== 'container') continue;
          const time = e.timeNano !== undefined ? Math.floor(e.timeNano / 1e6) : (e.time ?? 0) * 1000;
          yield { id: e.Actor.ID, name: e.Actor.Attributes?.name ?? null, action: e.Action, time };
        }
      },
      () => {
        throw new UpstreamError(upstream, `The Docker engine ${upstream} closed its events stream.`);
      },
      (err) => this.streamError('events', err),
    );
  }

  /**
   * A container's logs as lines labelled stdout/stderr. Resolves once the stream is open (404 and
   * bad refs throw here). Without `follow` the iterator ends after the tail; with it, it ends when the
   * container stops or `signal` aborts, and the underlying stream is destroyed either way.
   */
  async logs(ref: string, opts: LogsOptions = {}): Promise<AsyncIterable<LogLine>> {
    return this.readLogs(ref, opts, async (id, common) => {
      const c = this.docker.getContainer(id);
      if (opts.follow) return c.logs({ ...common, follow: true });
      // Without follow, dockerode buffers the whole answer (capped: ANSWER_CAPS.logs).
      const buf: unknown = await c.logs({ ...common, follow: false });
      return Readable.from([Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))]);
    });
  }

  // ---- internals ----------------------------------------------------------------------------------

  private notDocker(): UpstreamError {
    return new UpstreamError(
      this.upstream,
      `The socket at ${this.socketPath} did not answer as a Docker engine.`,
    );
  }

  /**
   * Bounds every buffered answer (ANSWER_CAPS) and every refusal's body. docker-modem 5.x buffers a
   * non-stream answer in `buildRequest` and a refused stream's body in `buildPayload`, both without
   * limit; both go through `this`, so this instance's own methods replace them. A buffered request is
   * sent as a stream and read here instead; streams that succeed are handed on untouched.
   */
  private capAnswers(modem: ModemInternals): void {
    const buildRequest = modem.buildRequest.bind(modem);
    const buildPayload = modem.buildPayload.bind(modem);
    const tooLarge = (what: string, limit: number, refusal: boolean) => {
      const err = new EngineAnswerTooLarge(this.upstream, what, limit, refusal);
      this.tooLargeListener?.(err);
      return err;
    };
    modem.buildRequest = (options, context, data, cb) => {
      if (context.isStream === true || context.hijack === true || context.openStdin === true) {
        buildRequest(options, context, data, cb);
        return;
      }
      const { kind, what } = answerKind(context.method, context.path);
      buildRequest(options, { ...context, isStream: true }, data, (err, res) => {
        if (err) {
          cb(err, null);
          return;
        }
        const answer = res as IncomingMessage;
        if (options.signal) addAbortSignal(options.signal, answer);
        readCapped(answer, ANSWER_CAPS[kind], () => tooLarge(what, ANSWER_CAPS[kind], false)).then(
          (buf) => cb(null, parseAnswer(buf)),
          (e: unknown) => cb(e, null),
        );
      });
    };
    modem.buildPayload = (err, isStream, statusCodes, openStdin, req, res, json, cb) => {
      if (!err && res.headers?.['api-version'] !== undefined) this.speaksDocker = true;
      if (err || statusCodes[res.statusCode ?? 0] === true || !isStream) {
        buildPayload(err, isStream, statusCodes, openStdin, req, res, json, cb);
        return;
      }
      const { what } = answerKind(req.method, req.path);
      readCapped(res, ANSWER_CAPS.error, () => tooLarge(what, ANSWER_CAPS.error, true)).then(
        (buf) => {
          const body = parseAnswer(buf);
          // As a buffered refusal: the modem builds its error from the parsed body (`err.json`).
          buildPayload(
            null,
            false,
            statusCodes,
            openStdin,
            req,
            res,
            Buffer.isBuffer(body) ? body.toString('utf8') : body,
            cb,
          );
        },
        (e: unknown) => cb(e, null),
      );
    };
  }

  /** The inspect document as Docker sent it, and the two fields the adapter itself reads. */
  private async inspectRaw(id: string): Promise<{ raw: unknown } & InspectHead> {
    const raw: unknown = await this.call('inspect container', (abortSignal) =>
      this.docker.getContainer(id).inspect({ abortSignal }),
    );
    return { raw, ...this.validate(InspectHeadSchema, raw, 'container inspect') };
  }

  private detail(hostId: string, info: { raw: unknown }): ContainerDetail {
    try {
      return this.describe(hostId, info.raw);
    } catch (err) {
      throw this.badResponse('container inspect', errorMessage(err));
    }
  }

  private streamError(what: string, err: unknown): Error {
    if (err instanceof UpstreamError) return err;
    return new UpstreamError(
      this.upstream,
      `The ${what} stream from ${this.upstream} broke: ${engineText(errorMessage(err))}`,
      {
        cause: err,
      },
    );
  }

  private validate<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
    const r = schema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw this.badResponse(what, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    return r.data;
  }

  private badResponse(what: string, detail: string): UpstreamError {
    return new UpstreamError(
      this.upstream,
      // The detail quotes the peer (JSON keys in a zod path, a parser's excerpt).
      `The Docker engine ${this.upstream} sent an unexpected ${what}: ${engineText(detail)}.`,
    );
  }

  /**
   * One non-streaming call with a timeout. Maps errors: 304 → NotModified (callers that accept it
   * catch it), 404 → not found, 409 → conflict with Docker's reason, 400 → bad request, everything
   * else (unreachable, 5xx, timeout, aborted) → UpstreamError.
   */
  private async call<T>(
    what: string,
    fn: (abortSignal: AbortSignal) => Promise<T>,
    timeoutMs: number = this.timeoutMs,
  ): Promise<T> {
    const ctrl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ctrl.abort(new Timeout());
        reject(new Timeout());
      }, timeoutMs);
    });
    try {
      return await Promise.race([fn(ctrl.signal), timedOut]);
    } catch (err) {
      throw this.mapError(err, what, timeoutMs, ctrl.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  private mapError(err: unknown, what: string, timeoutMs: number, timedOut: boolean): Error {
    if (err instanceof NotModified || err instanceof UpstreamError) return err;
    if (timedOut || err instanceof Timeout) {
      return new UpstreamError(
        this.upstream,
        `The Docker engine ${this.upstream} did not answer "${what}" within ${timeoutMs / 1000} s.`,
        {
          timeout: true,
          cause: err,
        },
      );
    }
    const code = statusCodeOf(err);
    if (!this.speaksDocker && (code !== undefined || isHttpParseError(err))) return this.notDocker();
    if (code === 304) return new NotModified();
    if (code === 404) return notFound('Container');
    if (code === 409) return conflict(`Docker refused to ${what}: ${dockerMessage(err)}`);
    if (code === 400) return badRequest(`Docker refused to ${what}: ${dockerMessage(err)}`);
    if (code !== undefined) {
      return new UpstreamError(
        this.upstream,
        `The Docker engine ${this.upstream} failed to ${what} (HTTP ${code}): ${dockerMessage(err)}`,
        { cause: err },
      );
    }
    return new UpstreamError(
      this.upstream,
      `The Docker engine ${this.upstream} is not reachable (${what}): ${engineText(errorMessage(err))}`,
      { cause: err },
    );
  }

  /** Opens a stream with a timeout on the opening; the stream is destroyed when `signal` aborts. */
  private async openStream(
    what: string,
    signal: AbortSignal,
    open: (abortSignal: AbortSignal) => Promise<NodeJS.ReadableStream>,
  ): Promise<Readable> {
    if (signal.aborted)
      throw new UpstreamError(this.upstream, `The ${what} stream was aborted before it opened.`);
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let stream: Readable;
    try {
      stream = (await this.call(`open ${what} stream`, () => open(ctrl.signal))) as Readable;
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      ctrl.abort();
      throw err;
    }
    // `call` aborts its own controller on timeout only; ours lives as long as the stream.
    const destroy = () => stream.destroy();
    signal.addEventListener('abort', destroy, { once: true });
    stream.once('close', () => {
      signal.removeEventListener('abort', destroy);
      signal.removeEventListener('abort', onAbort);
    });
    if (signal.aborted) stream.destroy();
    return stream;
  }

  /**
   * The last `tail` log lines, read as the engine sends them (for downloads). `logs` without `follow`
   * goes through dockerode, which reads the whole answer into one buffer (100000 long lines can be
   * gigabytes); here the response itself is iterated, so nothing is read from the engine faster than
   * the consumer pulls lines and a slow consumer stalls the engine's socket instead of filling memory.
   * Stopping early or aborting `signal` destroys the engine request.
   */
  async logsStreamed(ref: string, opts: Omit<LogsOptions, 'follow'> = {}): Promise<AsyncIterable<LogLine>> {
    const modem = this.docker.modem;
    return this.readLogs(
      ref,
      opts,
      (id, { abortSignal, ...options }) =>
        new Promise<NodeJS.ReadableStream>((resolve, reject) => {
          // The same request dockerode's container.logs makes, but with `isStream` the modem hands
          // over the response unread, as it does for `follow`.
          modem.dial(
            {
              path: `/containers/${id}/logs?`,
              method: 'GET',
              isStream: true,
              abortSignal,
              statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
              options: { ...options, follow: false },
            },
            (err, data) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)),
          );
        }),
    );
  }

  /**
   * Both log readers: checks the ref and `tail`, resolves the container (404 here), opens the
   * engine's answer with `open`, and iterates it as demultiplexed lines until it ends or `signal`
   * aborts.
   */
  private async readLogs(
    ref: string,
    opts: LogsOptions,
    open: (
      id: string,
      common: { stdout: true; stderr: true; tail: number; timestamps: boolean; abortSignal: AbortSignal },
    ) => Promise<NodeJS.ReadableStream>,
  ): Promise<AsyncIterable<LogLine>> {
    const id = parseRef(ref);
    const tail = opts.tail ?? 200;
    if (!Number.isInteger(tail) || tail < 0 || tail > 100_000)
      throw badRequest('tail must be an integer 0..100000');
    const info = await this.inspectRaw(id);
    const signal = opts.signal ?? new AbortController().signal;
    const timestamps = opts.timestamps ?? false;
    const stream = await this.openStream('logs', signal, (abortSignal) =>
      open(info.Id, { stdout: true, stderr: true, tail, timestamps, abortSignal }),
    );
    const demux = new LogDemuxer(info.Config.Tty ?? false, timestamps);
    return iterate(
      stream,
      signal,
      (chunk) => demux.push(chunk),
      () => demux.flush(),
      (err) => this.streamError('logs', err),
    );
  }
}

/**
 * Wraps a Node stream as an async iterable. Ends when the stream ends (`onEnd` may yield a tail or
 * throw) or quietly when `signal` aborts; the stream is destroyed when the consumer stops early.
 */
function iterate<T>(
  stream: Readable,
  signal: AbortSignal,
  onChunk: (chunk: Buffer) => Iterable<T>,
  onEnd: () => Iterable<T>,
  onError: (err: unknown) => Error,
): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of stream) {
          if (signal.aborted) return;
          yield* onChunk(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
        }
      } catch (err) {
        if (signal.aborted) return;
        throw onError(err);
      } finally {
        stream.destroy();
      }
      if (!signal.aborted) yield* onEnd();
    },
  };
}
