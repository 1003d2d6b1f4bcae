// Helpers for e2e tests: start the *built* server (apps/cli/dist/airlock.js serve) on a random
// loopback port with a fresh AIRLOCK_HOME, and run the built CLI. Run `node scripts/build.mjs` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(repoRoot, 'apps/cli/dist/airlock.js');

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A random free loopback port in 20000–60000. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if (await portIsFree(port)) return port;
  }
  throw new Error('no free port found in 20000-60000');
}

export interface E2eServer {
  url: string;
  port: number;
  home: string;
  setupToken: string;
  /** The `airlock serve` process this helper started (the server and the gateway run under it). */
  pid: number;
  /** Everything the server printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

export async function startServer(timeoutMs = 15_000): Promise<E2eServer> {
  if (!existsSync(cliPath)) {
    throw new Error(`${cliPath} is missing: run \`node scripts/build.mjs\` first`);
  }
  const home = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-home-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'serve'], {
    cwd: repoRoot,
    env: { ...process.env, AIRLOCK_HOME: home, AIRLOCK_PORT: String(port), AIRLOCK_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(home, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited early (code ${child.exitCode}):\n${log}`);
      try {
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`server did not answer /api/health in ${timeoutMs} ms:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const setupToken = (await readFile(path.join(home, 'setup-token'), 'utf8')).trim();
    return { url, port, home, setupToken, pid: child.pid!, output: () => log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A call as the admin of `adminWithLocalHost`: JSON body in, status and text out. */
export type AdminCall = (
  method: string,
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; text: string }>;

/**
 * First run over the API, for e2e steps that are not under test (setup and adding a host through
 * the UI are covered by foundation.test.ts and fleet.test.ts): the admin is created and signed in,
 * unlocked, and the local engine added as the host "this machine".
 */
export async function adminWithLocalHost(
  server: E2eServer,
  password: string,
): Promise<{ api: AdminCall; hostId: string }> {
  const setup = await fetch(`${server.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: server.setupToken, username: 'admin', password }),
  });
  assert.equal(setup.status, 201, `setup: ${await setup.clone().text()}`);
  const cookie = /airlock_session=([^;]+)/.exec(setup.headers.get('set-cookie') ?? '')?.[1];
  const me = (await setup.json()) as { csrfToken: string | null };
  assert.ok(cookie && me.csrfToken, 'setup signs the admin in');
  const session = { cookie: `airlock_session=${cookie}`, 'x-csrf-token': me.csrfToken };
  const api: AdminCall = async (method, url, body, headers = {}) => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...session,
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const unlock = await api('POST', '/api/auth/unlock', { password });
  assert.equal(unlock.status, 200, `unlock: ${unlock.text}`);
  const host = await api('POST', '/api/hosts', { kind: 'local', label: 'this machine' });
  assert.equal(host.status, 201, `adding the local host: ${host.text}`);
  return { api, hostId: (JSON.parse(host.text) as { host: { id: string } }).host.id };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with the given extra env; never inherits AIRLOCK_TOKEN or a user config. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 15_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const base = { ...process.env };
    delete base.AIRLOCK_TOKEN;
    delete base.AIRLOCK_URL;
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: repoRoot,
      env: { ...base, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`airlock ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parent pid of each running process, from /proc (the kernel here has no /proc/<pid>/task/<tid>/children). */
function parentPids(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // `pid (comm) state ppid ...`; comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(name), ppid);
    } catch {
      // exited while we looked
    }
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Pids of the gateway processes under this server: only ever processes this helper's server started. */
export function gatewayPids(server: E2eServer): number[] {
  const parents = parentPids();
  const mine = new Set([server.pid]);
  // Descendants, by walking up from every process to the server (a few levels at most).
  for (const pid of parents.keys()) {
    for (let p = parents.get(pid), depth = 0; p !== undefined && depth < 8; p = parents.get(p), depth++)
      if (p === server.pid) {
        mine.add(pid);
        break;
      }
  }
  return [...mine].filter((pid) => pid !== server.pid && cmdline(pid).includes('apps/gateway/dist/main.js'));
}

/**
 * Keeps the server's egress gateway down: kills it, and every restart the server's supervisor
 * makes, before it can say it is ready (a gateway that keeps crashing at start). `release` stops
 * the killing; the supervisor's next try (after its backoff) brings it back. Kills by pid, only
 * processes found under this server.
 */
export function holdGatewayDown(server: E2eServer): { kills: () => number; release: () => void } {
  let held = true;
  let kills = 0;
  const tick = () => {
    if (!held) return;
    for (const pid of gatewayPids(server)) {
      try {
        process.kill(pid, 'SIGKILL');
        kills++;
      } catch {
        // already gone
      }
    }
    setTimeout(tick, 20);
  };
  tick();
  return {
    kills: () => kills,
    release: () => {
      held = false;
    },
  };
}
