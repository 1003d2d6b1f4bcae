// Test support (not bundled): a tiny Airlock API stand-in on 127.0.0.1 and an in-memory Io.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ForwardedSignal, Io } from './io';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
}

type Handler = (req: SeenRequest) => FakeReply | Promise<FakeReply>;

/** Routes by "METHOD /path"; unmatched requests get a 404 in Airlock's error shape. */
export class FakeDeck {
  readonly requests: SeenRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private server: Server | null = null;
  url = '';

  on(method: string, path: string, handler: Handler | FakeReply): this {
    this.routes.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler);
    return this;
  }

  /** Requests as "METHOD /path" strings, for asserting the order of a flow. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        const seen: SeenRequest = {
          method: req.method ?? '',
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          body: text ? (JSON.parse(text) as unknown) : undefined,
        };
        this.requests.push(seen);
        const handler = this.routes.get(`${seen.method} ${seen.path}`);
        void Promise.resolve(
          handler
            ? handler(seen)
            : {
                status: 404,
                body: {
                  code: 'not_found',
                  message: `No route ${seen.method} ${seen.path}`,
                  correlationId: 'fake-404',
                },
              },
        ).then((reply) => {
          const status = reply.status ?? 200;
          const headers: Record<string, string | string[]> = { ...reply.headers };
          if (reply.body !== undefined && !headers['content-type'])
            headers['content-type'] = 'application/json; charset=utf-8';
          res.writeHead(status, headers);
          res.end(
            reply.body === undefined
              ? undefined
              : typeof reply.body === 'string'
                ? reply.body
                : JSON.stringify(reply.body),
          );
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export function errorBody(
  code: string,
  message: string,
  correlationId = 'corr-123',
): { code: string; message: string; correlationId: string } {
  return { code, message, correlationId };
}

export interface MemoryIo extends Io {
  stdout: string;
  stderr: string;
  /** Questions asked on the (fake) terminal. */
  prompts: string[];
  signals: Map<ForwardedSignal, Set<() => void>>;
  emit(signal: ForwardedSignal): void;
}

export interface MemoryIoOptions {
  env?: Record<string, string | undefined>;
  /** Everything on stdin (non-interactive). */
  stdin?: string;
  /** Simulate a terminal; each hidden prompt gets the next answer. */
  answers?: string[];
  serverEntry?: string;
}

export function memoryIo(opts: MemoryIoOptions = {}): MemoryIo {
  let stdin = opts.stdin ?? '';
  const answers = [...(opts.answers ?? [])];
  const signals = new Map<ForwardedSignal, Set<() => void>>();
  const io: MemoryIo = {
    stdout: '',
    stderr: '',
    prompts: [],
    signals,
    out: (t) => void (io.stdout += t),
    err: (t) => void (io.stderr += t),
    env: opts.env ?? {},
    interactive: opts.answers !== undefined,
    promptHidden: (q) => {
      io.prompts.push(q);
      const a = answers.shift();
      return a === undefined ? Promise.reject(new Error(`unexpected prompt: ${q}`)) : Promise.resolve(a);
    },
    readLine: () => {
      if (stdin === '') return Promise.resolve(null);
      const nl = stdin.indexOf('\n');
      const line = nl >= 0 ? stdin.slice(0, nl) : stdin;
      stdin = nl >= 0 ? stdin.slice(nl + 1) : '';
      return Promise.resolve(line);
    },
    readAll: () => {
      const all = stdin;
      stdin = '';
      return Promise.resolve(all);
    },
    hostname: () => 'testhost',
    serverEntry: opts.serverEntry ?? '/nonexistent/airlock/server/dist/main.js',
    onSignal: (signal, handler) => {
      const set = signals.get(signal) ?? new Set();
      signals.set(signal, set);
      set.add(handler);
      return () => void set.delete(handler);
    },
    emit: (signal) => {
      for (const h of signals.get(signal) ?? []) h();
    },
  };
  return io;
}
