// The two proxies the gateway is measured against, as Debian ships them, each in a temporary
// directory of its own and listening on loopback only: mitmproxy (`mitmdump`) intercepting TLS, and
// squid as a plain CONNECT tunnel. Either missing is an error, never a skipped comparison.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RELAY_ARGV, RELAY_PORT, SOCKET_MOUNT } from '../apps/server/src/adapters/sandbox-files';

export interface RunningProxy {
  port: number;
  pid: number;
  /** The CA a client must trust for intercepted tunnels (mitmproxy), or null for a plain tunnel. */
  caPem: string | null;
  stop(): Promise<void>;
}

function need(binary: string, pkg: string): string {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', binary], { encoding: 'utf8' });
  const where = found.stdout.trim();
  if (found.status !== 0 || where === '')
    throw new Error(`${binary} is not installed (Debian package ${pkg}): the comparison cannot run`);
  return where;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(
  port: number,
  child: ChildProcess,
  what: string,
  logFile?: string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening\n${log}`);
    }
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within 30 s`);
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killed);
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * squid as a plain CONNECT tunnel to the upstream's port only: no cache, no logs but its own cache.log,
 * DNS pointed at loopback (the client CONNECTs to 127.0.0.1, so nothing is ever resolved).
 */
export async function startSquid(upstreamPort: number): Promise<RunningProxy> {
  const squid = need('squid', 'squid');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-squid-'));
  const port = await freePort();
  const conf = path.join(dir, 'squid.conf');
  writeFileSync(
    conf,
    [
      `http_port 127.0.0.1:${port}`,
      `acl upstream_port port ${upstreamPort}`,
      'acl CONNECT method CONNECT',
      'acl loopback src 127.0.0.1/32',
      'http_access allow CONNECT upstream_port loopback',
      'http_access deny all',
      'cache deny all',
      'cache_mem 0 MB',
      'access_log none',
      `cache_log ${path.join(dir, 'cache.log')}`,
      `pid_filename ${path.join(dir, 'squid.pid')}`,
      `coredump_dir ${dir}`,
      'netdb_filename none',
      'pinger_enable off',
      'dns_nameservers 127.0.0.1',
      'shutdown_lifetime 0 seconds',
      'workers 1',
      '',
    ].join('\n'),
  );
  // Run as root, squid drops to its effective user ("proxy" on Debian), which must write its logs here.
  if (process.getuid?.() === 0) {
    const ids = spawnSync('id', ['-u', 'proxy'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'proxy'], { encoding: 'utf8' });
    if (ids.status === 0) chownSync(dir, Number(ids.stdout.trim()), Number(gid.stdout.trim()));
  }
  const child = spawn(squid, ['-N', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  try {
    await waitListening(port, child, 'squid', path.join(dir, 'cache.log'));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}\n${err}`);
  }
  return { port, pid: child.pid!, caPem: null, stop: stopper(child, dir) };
}

/**
 * mitmdump intercepting: it mints leaves from its own CA (written to its confdir on first start) and
 * verifies the upstream against the upstream's CA, as the gateway does. Quiet, and bodies over 1 MB
 * streamed rather than held whole (its fastest honest settings).
 */
export async function startMitmproxy(upstreamCaPem: string): Promise<RunningProxy> {
  const mitmdump = need('mitmdump', 'mitmproxy');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-mitm-'));
  const port = await freePort();
  const upstreamCa = path.join(dir, 'upstream-ca.pem');
  writeFileSync(upstreamCa, upstreamCaPem);
  const child = spawn(
    mitmdump,
    [
      '--listen-host',
      '127.0.0.1',
      '-p',
      String(port),
      '--set',
      `confdir=${dir}`,
      '--set',
      `ssl_verify_upstream_trusted_ca=${upstreamCa}`,
      '--set',
      'stream_large_bodies=1m',
      '-q',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  try {
    await waitListening(port, child, 'mitmdump');
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}\n${err}`);
  }
  const caFile = path.join(dir, 'mitmproxy-ca-cert.pem');
  if (!existsSync(caFile)) throw new Error(`mitmdump wrote no CA to ${caFile}`);
  return { port, pid: child.pid!, caPem: readFileSync(caFile, 'utf8'), stop: stopper(child, dir) };
}

/**
 * The sandbox's relay (RELAY_ARGV, as the runtimes start it inside every sandbox) on a free loopback
 * port here, toward `socketPath`; `withoutNodelay` drops TCP_NODELAY from its TCP-LISTEN address
 * (the relay as it shipped before the benchmark found Nagle in the way).
 */
export async function socatRelay(socketPath: string, withoutNodelay = false): Promise<RunningProxy> {
  const socat = need('socat', 'socat');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-socat-'));
  const port = await freePort();
  const listen = (a: string) => {
    const here = a.replace(`TCP-LISTEN:${RELAY_PORT},`, `TCP-LISTEN:${port},`);
    return withoutNodelay ? here.replace(',nodelay', '') : here;
  };
  const args = RELAY_ARGV.slice(1).map((a) =>
    a.startsWith('TCP-LISTEN:')
      ? listen(a)
      : a.replace(`UNIX-CONNECT:${SOCKET_MOUNT}/gw.sock`, `UNIX-CONNECT:${socketPath}`),
  );
  if (!args.some((a) => a.includes(`:${port},`)) || !args.some((a) => a.endsWith(socketPath)))
    throw new Error(`the sandbox relay's argv changed shape: ${RELAY_ARGV.join(' ')}`);
  const child = spawn(socat, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitListening(port, child, 'socat');
  return { port, pid: child.pid!, caPem: null, stop: stopper(child, dir) };
}
