// Drives the real gateway process (apps/gateway/dist/main.js, built by the integration tier) over its
// real control protocol, and talks to a session socket the way a sandbox's relay would: every byte
// through the unix socket the gateway made.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { ControlReply, GatewayEvent, SessionPolicy, SessionPutResult } from '@airlock/contract/gateway';
import { SessionCa } from '../../apps/gateway/src/tls/ca';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GATEWAY_MAIN = path.join(root, 'apps/gateway/dist/main.js');

export interface ControlClient {
  send(msg: Record<string, unknown>): Promise<ControlReply & { type: 'ack' }>;
  /** Raw line, for malformed-message tests. */
  sendRaw(line: string): Promise<ControlReply & { type: 'ack' }>;
  events: GatewayEvent[];
  close(): void;
}

export interface TestGateway {
  home: string;
  child: ChildProcess;
  token: string;
  control: ControlClient;
  put(id: string, policy: Partial<SessionPolicy>): Promise<SessionPutResult>;
  stop(): Promise<void>;
}

export function connectControl(home: string): Promise<ControlClient> {
  const socket = net.connect(path.join(home, 'run', 'gateway.sock'));
  const waiting: Array<(r: ControlReply & { type: 'ack' }) => void> = [];
  const events: GatewayEvent[] = [];
  let buf = '';
  let seq = 0;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const r = JSON.parse(buf.slice(0, nl)) as ControlReply;
      buf = buf.slice(nl + 1);
      if (r.type === 'event') events.push(r.event);
      else waiting.shift()?.(r);
    }
  });
  const sendRaw = (line: string) =>
    new Promise<ControlReply & { type: 'ack' }>((resolve, reject) => {
      // The close listener goes with the reply: a benchmark sends hundreds of messages on one socket.
      const onClose = () => reject(new Error('control socket closed'));
      waiting.push((r) => {
        socket.off('close', onClose);
        resolve(r);
      });
      socket.once('close', onClose);
      socket.write(line + '\n');
    });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        send: (msg) => sendRaw(JSON.stringify({ seq: ++seq, ...msg })),
        sendRaw,
        events,
        close: () => socket.destroy(),
      }),
    );
  });
}

export async function startGateway(
  opts: {
    overrides?: Record<string, { address: string; caPem?: string }>;
    limits?: Record<string, number>;
    /** Extra node flags for the gateway process (the benchmark's `--cpu-prof`). */
    nodeArgs?: string[];
    /** A CA trusted for every upstream besides the system store (configure's `extraCaPem`). */
    extraCaPem?: string;
  } = {},
): Promise<TestGateway> {
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: run node scripts/build.mjs`);
  const home = mkdtempSync(path.join(os.tmpdir(), 'airlock-gw-'));
  const token = randomBytes(32).toString('base64url');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), GATEWAY_MAIN, '--home', home], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.write(token + '\n');
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  const control = await connectControl(home).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const fail = (msg: string): never => {
    control.close();
    child.kill('SIGKILL');
    throw new Error(msg);
  };
  const hello = await control.send({ type: 'hello', token, protocol: 1 });
  if (!hello.ok) fail('hello refused');
  const conf = await control.send({
    type: 'configure',
    upstreamOverrides: opts.overrides ?? {},
    ...(opts.extraCaPem === undefined ? {} : { extraCaPem: opts.extraCaPem }),
    limits: {
      tunnelsPerSession: 64,
      headerBytes: 32768,
      headersTimeoutMs: 5000,
      idleTimeoutMs: 30000,
      connectTimeoutMs: 5000,
      ...opts.limits,
    },
  });
  if (!conf.ok) fail(`configure refused: ${JSON.stringify(conf)}`);
  return {
    home,
    child,
    token,
    control,
    async put(id, policy) {
      const r = await control.send({
        type: 'session.put',
        id,
        policy: { routes: [], credentials: [], sensitive: [], ...policy },
      });
      if (!r.ok) throw new Error(`session.put refused: ${r.error.message}`);
      return r.result as SessionPutResult;
    },
    async stop() {
      control.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A TLS upstream with its own CA, serving `names`; records every request it gets. */
export async function tlsUpstream(
  names: string[],
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void = (_q, res) =>
    res.end('ok'),
  /** `record: false` keeps `seen` empty: a benchmark's million requests would only grow it. */
  opts: { record?: boolean } = {},
): Promise<{
  caPem: string;
  port: number;
  seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }>;
  /** The server itself, for a test that serves more than requests on it (WebSocket upgrades). */
  server: https.Server;
  close(): Promise<void>;
}> {
  const ca = SessionCa.create('upstream');
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }> = [];
  const server = https.createServer(
    {
      SNICallback: (name, cb) => cb(null, names.includes(name) ? ca.leafContext(name) : undefined),
      ...{ secureContext: ca.leafContext(names[0]!) },
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (opts.record !== false)
          seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        handler(req, res, body);
      });
    },
  );
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    caPem: ca.certPem,
    port: (server.address() as net.AddressInfo).port,
    seen,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function readReply(res: http.IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
    );
    res.on('error', reject);
  });
}

/** Raw bytes to the session socket, and everything that comes back until the gateway closes. */
export function rawExchange(socketPath: string, data: string | Buffer, waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.once('connect', () => s.write(data));
    setTimeout(() => {
      s.destroy();
      resolve(out);
    }, waitMs);
  });
}

/** Plain HTTP through the session socket (absolute-form). */
export function plainRequest(
  socketPath: string,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath,
      method: opts.method ?? 'GET',
      path: url,
      headers: { host: new URL(url).host, ...opts.headers },
    });
    req.on('response', (res) => void readReply(res).then(resolve, reject));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Opens a CONNECT tunnel through the session socket: the status line, and the socket if it is 200. */
export function connectTunnel(
  socketPath: string,
  authority: string,
): Promise<{ status: string; head: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      resolve({ status: buf.split('\r\n')[0] ?? '', head: buf, socket: s });
    };
    s.on('data', onData);
    s.once('error', reject);
    s.once('close', () => resolve({ status: buf.split('\r\n')[0] ?? '', head: buf, socket: s }));
    s.once('connect', () => s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
  });
}

/** An HTTPS request through a CONNECT tunnel, trusting the session CA, with an SNI of `servername`. */
export async function tunnelRequest(
  socketPath: string,
  caPem: string,
  authority: string,
  opts: {
    servername?: string;
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer | Array<string | Buffer>;
    alpn?: string[];
  } = {},
): Promise<Reply> {
  const t = await connectTunnel(socketPath, authority);
  if (!t.status.includes(' 200 ')) {
    t.socket.destroy();
    const [, ...rest] = t.head.split('\r\n\r\n');
    const hdr = /x-airlock-block: ([^\r\n]*)/i.exec(t.head)?.[1];
    return {
      status: Number(t.status.split(' ')[1]),
      headers: hdr ? { 'x-airlock-block': hdr } : {},
      body: rest.join('\r\n\r\n'),
    };
  }
  const host = authority.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const secure = tls.connect({
    socket: t.socket,
    ca: caPem,
    servername: opts.servername ?? host,
    ALPNProtocols: opts.alpn ?? ['http/1.1'],
  });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return new Promise((resolve, reject) => {
    const req = http.request({
      createConnection: () => secure,
      method: opts.method ?? 'GET',
      path: opts.path ?? '/',
      headers: { host: authority.replace(/:443$/, ''), ...opts.headers },
    });
    req.on('response', (res) => void readReply(res).then(resolve, reject));
    req.on('error', reject);
    const body = opts.body;
    if (Array.isArray(body)) {
      // One write per piece, so a secret can be split across chunks on the wire.
      let i = 0;
      const next = () => {
        if (i >= body.length) return void req.end();
        req.write(body[i++]!, () => setTimeout(next, 20));
      };
      next();
    } else req.end(body);
  });
}

/** Raw text through an intercepted tunnel (for what node:http will not send), and what comes back. */
export async function tunnelRaw(
  socketPath: string,
  caPem: string,
  authority: string,
  text: string,
): Promise<string> {
  const t = await connectTunnel(socketPath, authority);
  if (!t.status.includes(' 200 ')) {
    t.socket.destroy();
    return t.head;
  }
  const secure = tls.connect({
    socket: t.socket,
    ca: caPem,
    servername: authority.replace(/:\d+$/, ''),
    ALPNProtocols: ['http/1.1'],
  });
  return new Promise((resolve) => {
    let out = '';
    secure.on('data', (d: Buffer) => (out += d.toString('latin1')));
    secure.on('error', () => resolve(out));
    secure.on('close', () => resolve(out));
    secure.once('secureConnect', () => secure.write(text));
    setTimeout(() => {
      secure.destroy();
      resolve(out);
    }, 3000);
  });
}
