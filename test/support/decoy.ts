// Decoy servers for the escape suite: listeners the test runs itself, on this machine's own addresses,
// that record every byte that reaches them. One TCP port per address speaks TLS (a certificate for
// each of its names, signed by its own CA, so the override map can put names behind it) and plain
// HTTP on the same socket, and keeps whatever else arrives as raw bytes; a UDP socket beside it
// records datagrams (a DNS query sent by address), and unix sockets (a path and an abstract name)
// record what a sandbox that could see them would send. An escape test proves a sandbox cannot make
// any of these record what it should not.
import dgram from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { SessionCa } from '../../apps/gateway/src/tls/ca';

export interface DecoyConnection {
  /** Where it arrived: `127.0.0.1:port`, `[::1]:port`, `udp 127.0.0.1:port`, a socket path. */
  at: string;
  /** Bytes as they came off the wire (TLS records still encrypted). */
  raw: Buffer;
  /** For a TLS connection: the server name it asked for (null when none), and the decrypted bytes. */
  tls: { sni: string | null; plain: Buffer } | null;
}

export interface DecoyRequest {
  at: string;
  tls: boolean;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Endpoint {
  host: string;
  port: number;
  /** `host:port`, with brackets for IPv6. */
  authority: string;
}

export interface Decoy {
  /** The TCP endpoints, one per address (127.0.0.1 first: the one the override map uses). */
  tcp: Endpoint[];
  /** The UDP endpoints, same addresses. */
  udp: Endpoint[];
  /** A unix socket path on the host, and an abstract-namespace name (without its leading NUL). */
  unixPath: string;
  abstractName: string;
  caPem: string;
  connections: DecoyConnection[];
  requests: DecoyRequest[];
  /** Everything received anywhere (raw, decrypted, datagrams), for "never appears" checks. */
  everything(): Buffer;
  /** A checkpoint: what arrived after it (connections and requests). */
  mark(): { connections: number; requests: number };
  since(m: { connections: number; requests: number }): {
    connections: DecoyConnection[];
    requests: DecoyRequest[];
  };
  close(): Promise<void>;
}

/** A Duplex over `inner` that hands every byte read to `record` first. */
function tap(inner: Duplex, record: (chunk: Buffer) => void, first?: Buffer): Duplex {
  const outer = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (inner.destroyed) return cb();
      inner.write(chunk, () => cb());
    },
    final(cb) {
      inner.end();
      cb();
    },
    destroy(err, cb) {
      inner.destroy();
      cb(err);
    },
  });
  const push = (chunk: Buffer) => {
    record(chunk);
    if (!outer.push(chunk)) inner.pause();
  };
  if (first) push(first);
  inner.on('data', push);
  inner.on('end', () => outer.push(null));
  inner.on('close', () => outer.destroy());
  inner.on('error', () => outer.destroy());
  return outer;
}

export async function startDecoy(
  opts: {
    /** Names its TLS certificate covers (those the override map puts behind it). */
    names: string[];
    /** Addresses to listen on; default 127.0.0.1 and ::1. */
    hosts?: string[];
  } = { names: [] },
): Promise<Decoy> {
  const ca = SessionCa.create('escape decoy');
  const names = opts.names.length ? opts.names : ['decoy.test'];
  const connections: DecoyConnection[] = [];
  const requests: DecoyRequest[] = [];
  const datagrams: Buffer[] = [];
  const sockets = new Set<net.Socket>();

  const web = http.createServer((req, res) => {
    // Under /early/ it answers as soon as the headers are in, before the body, as a server that
    // wants the body anyway would: the gateway must still cut the body at a secret.
    if (req.url?.startsWith('/early/')) {
      res.writeHead(200, { 'x-decoy': 'reached' });
      res.write('decoy-reached early\n');
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sock = req.socket as unknown as { decoyAt?: string; decoyTls?: boolean };
      requests.push({
        at: sock.decoyAt ?? '?',
        tls: sock.decoyTls ?? false,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      if (res.headersSent) return void res.end();
      // What an attack that got through would see: a plain 200 that no gateway refusal looks like.
      res.setHeader('x-decoy', 'reached');
      res.end('decoy-reached\n');
    });
  });
  web.keepAliveTimeout = 2000;
  web.on('clientError', (_err, socket) => socket.destroy());

  const onConnection = (socket: net.Socket, at: string) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const conn: DecoyConnection = { at, raw: Buffer.alloc(0), tls: null };
    connections.push(conn);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      const raw = tap(socket, (c) => (conn.raw = Buffer.concat([conn.raw, c])), first);
      let stream: Duplex = raw;
      if (first[0] === 0x16) {
        const state = { sni: null as string | null, plain: Buffer.alloc(0) };
        conn.tls = state;
        const secure = new tls.TLSSocket(raw, {
          isServer: true,
          ALPNProtocols: ['http/1.1'],
          secureContext: ca.leafContext(names[0]!),
          SNICallback: (name, cb) => {
            state.sni = name;
            cb(null, ca.leafContext(names.includes(name) ? name : names[0]!));
          },
        });
        secure.on('error', () => secure.destroy());
        stream = tap(secure, (c) => (state.plain = Buffer.concat([state.plain, c])));
      }
      Object.assign(stream, { decoyAt: at, decoyTls: conn.tls !== null });
      web.emit('connection', stream);
    });
  };

  const hosts = opts.hosts ?? ['127.0.0.1', '::1'];
  const servers: net.Server[] = [];
  const udps: dgram.Socket[] = [];
  const tcp: Endpoint[] = [];
  const udp: Endpoint[] = [];
  const authority = (host: string, port: number) =>
    net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  for (const host of hosts) {
    let port = 0;
    const server = net.createServer((s) => onConnection(s, authority(host, port)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    port = (server.address() as net.AddressInfo).port;
    servers.push(server);
    tcp.push({ host, port, authority: authority(host, port) });
    const u = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      u.once('error', reject);
      u.bind(0, host, () => resolve());
    });
    const uport = u.address().port;
    u.on('message', (msg) => {
      datagrams.push(msg);
      connections.push({ at: `udp ${authority(host, uport)}`, raw: msg, tls: null });
    });
    udps.push(u);
    udp.push({ host, port: uport, authority: authority(host, uport) });
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-decoy-'));
  const unixPath = path.join(dir, 'decoy.sock');
  const abstractName = `airlock-decoy-${process.pid}-${Date.now().toString(36)}`;
  for (const where of [unixPath, `\0${abstractName}`]) {
    const shown = where.startsWith('\0') ? `@${abstractName}` : where;
    const server = net.createServer((s) => onConnection(s, shown));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(where, () => resolve());
    });
    servers.push(server);
  }
  // Open to every uid, so what keeps a sandbox from this socket is that it cannot see it at all.
  chmodSync(dir, 0o755);
  chmodSync(unixPath, 0o666);

  return {
    tcp,
    udp,
    unixPath,
    abstractName,
    caPem: ca.certPem,
    connections,
    requests,
    everything: () =>
      Buffer.concat([...connections.flatMap((c) => [c.raw, c.tls?.plain ?? Buffer.alloc(0)]), ...datagrams]),
    mark: () => ({ connections: connections.length, requests: requests.length }),
    since: (m) => ({
      connections: connections.slice(m.connections),
      requests: requests.slice(m.requests),
    }),
    async close() {
      for (const s of sockets) s.destroy();
      web.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      for (const u of udps) u.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
