import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Test helpers for the sandbox runtimes: a fake gateway directory (ca.pem + a gw.sock that answers
 * every request with `via-gateway`) and TCP listeners that record whether anything reached them.
 */

export interface FakeGateway {
  /** The socketDir to hand to a runtime (0755, gw.sock 0666 so the sandbox's uid 1000 can connect). */
  dir: string;
  caPem: string;
  /** The first line of each request that reached gw.sock, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** A self-signed CA certificate (PEM) made by openssl; the key is thrown away. */
export function selfSignedCaPem(dir: string): string {
  const cert = path.join(dir, 'ca.pem');
  const key = path.join(dir, 'ca.key');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=Airlock test session CA',
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (r.status !== 0) throw new Error(`openssl req -x509 failed: ${r.stderr || r.error?.message || ''}`);
  rmSync(key, { force: true });
  chmodSync(cert, 0o644);
  return readFileSync(cert, 'utf8');
}

export async function fakeGatewayDir(): Promise<FakeGateway> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-test-gw-'));
  chmodSync(dir, 0o755);
  const caPem = selfSignedCaPem(dir);
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let head = '';
    let answered = false;
    sock.on('data', (c: Buffer) => {
      if (answered) return;
      head += c.toString('latin1');
      const nl = head.indexOf('\r\n');
      if (nl < 0 && head.length < 8192) return;
      answered = true;
      requests.push(nl < 0 ? head : head.slice(0, nl));
      const body = 'via-gateway';
      sock.end(
        `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  });
  const sockPath = path.join(dir, 'gw.sock');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sockPath, () => resolve());
  });
  chmodSync(sockPath, 0o666);
  return {
    dir,
    caPem,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RecordingListener {
  host: string;
  port: number;
  /** How many connections were accepted. */
  connections(): number;
  close(): Promise<void>;
}

/** A TCP listener on `host` that counts every connection it accepts (and closes it). */
export async function recordingListener(host: string): Promise<RecordingListener> {
  let count = 0;
  const server = net.createServer((sock) => {
    count++;
    sock.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('listener has no TCP address');
  return {
    host,
    port: addr.port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The host's first non-internal IPv4 address; a loud failure when it has none. */
export function hostIpv4(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this host has no non-loopback IPv4 address to test against');
}
