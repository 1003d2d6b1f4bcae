import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';

// What the deck will read of an engine's buffered answers, and how: byte caps per kind of answer, so
// a hostile or broken engine cannot grow the deck's memory (SECURITY.md).

export const KiB = 1024;
export const MiB = 1024 * KiB;

/**
 * The most Airlock reads of one buffered answer (the modem would otherwise keep every byte until the
 * peer ends it: an engine that streams `GET /containers/json` without end took the deck from 115 MiB
 * to 2.8 GiB in 10 s). Sized well above what real engines send: a list of thousands of containers is
 * a few MiB, one inspect tens of KiB. Streams that are endless by design (events, followed logs,
 * exec) are not buffered and bound their pieces themselves (JsonLines, LogDemuxer).
 */
export const ANSWER_CAPS = {
  list: 32 * MiB,
  inspect: 8 * MiB,
  stats: 1 * MiB,
  /** Non-follow logs: tail ≤ 100000 lines arrive in one answer. */
  logs: 16 * MiB,
  /** /_ping, /version, /info. */
  engine: 1 * MiB,
  /** Everything else buffered (actions, exec create/inspect): small JSON or nothing. */
  other: 1 * MiB,
  /** The body of a refusal (any status Docker does not answer with on success), buffered or stream. */
  error: 64 * KiB,
} as const;

export type AnswerKind = Exclude<keyof typeof ANSWER_CAPS, 'error'>;

/** Which cap an engine request falls under, and how to name it to people. */
export function answerKind(method: string, path: string): { kind: AnswerKind; what: string } {
  const p = (path.split('?')[0] ?? '').replace(/^\/v\d+(?:\.\d+)?(?=\/)/, '');
  if (p === '/containers/json') return { kind: 'list', what: 'list containers' };
  if (/^\/containers\/[^/]+\/json$/.test(p)) return { kind: 'inspect', what: 'inspect container' };
  if (/^\/containers\/[^/]+\/stats$/.test(p)) return { kind: 'stats', what: 'read container stats' };
  if (/^\/containers\/[^/]+\/logs$/.test(p)) return { kind: 'logs', what: 'read container logs' };
  if (p === '/_ping') return { kind: 'engine', what: 'ping' };
  if (p === '/version' || p === '/info') return { kind: 'engine', what: p.slice(1) };
  if (p === '/events') return { kind: 'other', what: 'open events stream' };
  // Refs were validated (ContainerRef) before they reached the path; ids are shortened for people.
  return { kind: 'other', what: `${method} ${p.replace(/\/[0-9a-f]{12,64}(?=\/|$)/g, '/…')}` };
}

/**
 * Reads a whole answer, at most `limit` bytes: past that (or when Content-Length already says so)
 * the response is destroyed, which closes its connection, and what had arrived is let go.
 */
export function readCapped(res: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      res.destroy();
      reject(tooLarge());
      return;
    }
    let chunks: Buffer[] = [];
    let n = 0;
    res.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > limit) {
        chunks = [];
        res.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(chunks)));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.complete) reject(new Error('the engine closed the connection in the middle of its answer'));
    });
  });
}

/** As docker-modem parses a buffered answer: JSON when it parses to something, else the bytes. */
export function parseAnswer(buf: Buffer): unknown {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8'));
    if (v) return v;
  } catch {
    // Not JSON (ping's "OK", raw logs): the bytes themselves.
  }
  return buf;
}

export type ModemCallback = (err: unknown, result: unknown) => void;
export interface DialContext {
  path: string;
  method: string;
  isStream?: boolean;
  hijack?: boolean;
  openStdin?: boolean;
}
/** The two docker-modem 5.x methods wrapped below (instance methods, called through `this`). */
export interface ModemInternals {
  buildRequest(options: RequestOptions, context: DialContext, data: unknown, cb: ModemCallback): void;
  buildPayload(
    err: unknown,
    isStream: boolean,
    statusCodes: Record<number, unknown>,
    openStdin: boolean,
    req: ClientRequest,
    res: IncomingMessage,
    json: unknown,
    cb: ModemCallback,
  ): void;
}
