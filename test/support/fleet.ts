// Helpers for the Fleet (issue 3) integration tests: an in-process app listening on loopback (for
// WebSockets and the push agent), signed-in callers of each role, a WebSocket client that records
// every frame with its arrival time, docker CLI calls, and checks on the SQLite files' raw bytes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import type { LightMyRequestResponse } from 'fastify';
import type { ServerConfigInput } from '@airlock/contract/config';
import { SESSION_COOKIE } from '@airlock/contract/auth';
import type { AuditEvent, AuditPage } from '@airlock/contract/audit';
import type { ContainerList, ContainerSummary } from '@airlock/contract/fleet';
import type { CreatedHost, Host } from '@airlock/contract/hosts';
import { ADMIN, PASSWORD, startTestApp, type Caller, type TestApp } from './app';
import { BASE_IMAGE, DOCKER_SOCKET, dockerCli, waitFor } from './docker';

export interface FleetApp {
  t: TestApp;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Admin, unlocked. */
  admin: Caller;
  /** Admin, never unlocked (its own session). */
  adminLocked: Caller;
  /** Operator, unlocked. */
  operator: Caller;
  /** Operator, never unlocked (its own session). */
  operatorLocked: Caller;
  viewer: Caller;
  close(): Promise<void>;
}

/** The test app, listening on 127.0.0.1:<random>, with an admin, an operator and a viewer signed in. */
export async function startFleetApp(
  overrides: ServerConfigInput = {},
  extra: Parameters<typeof startTestApp>[1] = {},
): Promise<FleetApp> {
  const t = await startTestApp(overrides, extra);
  await t.app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const port = (t.app.fastify.server.address() as AddressInfo).port;
  const admin = await t.setup();
  await t.unlock(admin);
  const adminLocked = await t.login(ADMIN.username, ADMIN.password);
  await t.createUser(admin, 'olga', 'operator');
  await t.createUser(admin, 'victor', 'viewer');
  const operator = await t.login('olga', PASSWORD);
  await t.unlock(operator);
  const operatorLocked = await t.login('olga', PASSWORD);
  const viewer = await t.login('victor', PASSWORD);
  return {
    t,
    port,
    url: `http://127.0.0.1:${port}`,
    admin,
    adminLocked,
    operator,
    operatorLocked,
    viewer,
    close: () => t.close(),
  };
}

export async function json<T>(res: LightMyRequestResponse, status = 200): Promise<T> {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`);
  return Promise.resolve(res.json<T>());
}

export async function createHost(f: FleetApp, body: Record<string, unknown>): Promise<CreatedHost> {
  const res = await f.t.request('POST', '/api/hosts', { as: f.admin, body });
  return json<CreatedHost>(res, 201);
}

export async function getHost(f: FleetApp, id: string, as: Caller = f.viewer): Promise<Host> {
  return json<Host>(await f.t.request('GET', `/api/hosts/${id}`, { as }));
}

export async function listContainers(f: FleetApp, query = '', as: Caller = f.viewer): Promise<ContainerList> {
  return json<ContainerList>(await f.t.request('GET', `/api/containers${query}`, { as }));
}

/** Waits until the container list (with `query`) satisfies `pred`; returns the matching item. */
export async function waitContainer(
  f: FleetApp,
  what: string,
  pred: (c: ContainerSummary) => boolean,
  { query = '', timeoutMs = 20_000 } = {},
): Promise<ContainerSummary> {
  return waitFor(
    what,
    async () => {
      const list = await listContainers(f, query);
      return list.items.find(pred) ?? false;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

export async function waitHostState(
  f: FleetApp,
  id: string,
  pred: (h: Host) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<Host> {
  let last: Host | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await getHost(f, id);
        return pred(last) ? last : false;
      },
      { timeoutMs, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast host: ${JSON.stringify(last)}`, { cause: err });
  }
}

/** The newest audit events with this action (prefix match, as the audit API does). */
export async function auditEvents(f: FleetApp, action: string): Promise<AuditEvent[]> {
  const res = await f.t.request('GET', `/api/audit?limit=500&action=${encodeURIComponent(action)}`, {
    as: f.admin,
  });
  return (await json<AuditPage>(res)).items;
}

// ---- docker CLI -------------------------------------------------------------------------------------

/** `docker run -d --network none --stop-timeout 1 ... <image> <cmd...>`; returns the full id. */
export async function runContainer(name: string, opts: string[], cmd: string[]): Promise<string> {
  const id = (
    await dockerCli(
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      '--stop-timeout',
      '1',
      '--label',
      'airlock.test=fleet',
      ...opts,
      BASE_IMAGE,
      ...cmd,
    )
  ).trim();
  assert.match(id, /^[0-9a-f]{64}$/, `docker run ${name} printed ${id}`);
  return id;
}

export interface InspectState {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  ExitCode: number;
  Health?: { Status: string };
}

export async function inspectState(ref: string): Promise<InspectState> {
  const out = await dockerCli('inspect', '--format', '{{json .State}}', ref);
  return JSON.parse(out) as InspectState;
}

/** True when the engine no longer knows `ref`. */
export async function containerGone(ref: string): Promise<boolean> {
  try {
    await dockerCli('inspect', ref);
    return false;
  } catch (err) {
    if (/No such (object|container)/i.test((err as Error).message)) return true;
    throw err;
  }
}

// ---- WebSockets ---------------------------------------------------------------------------------------

export interface WsFrame {
  at: number;
  binary: boolean;
  data: Buffer;
  /** Parsed JSON for text frames (undefined when not JSON). */
  json?: unknown;
}

export interface WsClient {
  ws: WebSocket;
  frames: WsFrame[];
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
  /** Waits for a frame (already received or future) for which `pred` is true. */
  waitFrame(what: string, pred: (f: WsFrame) => boolean, timeoutMs?: number): Promise<WsFrame>;
  /** All text frames parsed as JSON. */
  messages(): unknown[];
  /** All binary frames concatenated as UTF-8. */
  binaryText(): string;
  close(): Promise<void>;
}

export interface WsRefused {
  status: number;
  body: string;
}

function wsHeaders(as: Caller | null, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  if (as?.cookie) headers.cookie = `${SESSION_COOKIE}=${as.cookie}`;
  if (as?.bearer) headers.authorization = `Bearer ${as.bearer}`;
  return headers;
}

/** Opens a WebSocket on the app; resolves once open, or rejects with the refused upgrade's status. */
export function openWs(
  f: FleetApp,
  pathAndQuery: string,
  as: Caller | null,
  extraHeaders: Record<string, string> = {},
): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${f.port}${pathAndQuery}`, {
      headers: wsHeaders(as, extraHeaders),
    });
    const frames: WsFrame[] = [];
    const waiters = new Set<() => void>();
    let closedFlag = false;
    const closed = new Promise<{ code: number; reason: string }>((res) => {
      ws.on('close', (code, reason) => {
        closedFlag = true;
        for (const w of waiters) w();
        res({ code, reason: reason.toString('utf8') });
      });
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      const frame: WsFrame = { at: Date.now(), binary: isBinary, data: buf };
      if (!isBinary) {
        try {
          frame.json = JSON.parse(buf.toString('utf8'));
        } catch {
          // not JSON: kept raw
        }
      }
      frames.push(frame);
      for (const w of waiters) w();
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const e = new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}: ${body}`) as Error &
          WsRefused;
        e.status = res.statusCode ?? 0;
        e.body = body;
        reject(e);
      });
    });
    ws.once('error', (err) => reject(err));
    ws.once('open', () => {
      const client: WsClient = {
        ws,
        frames,
        closed,
        isClosed: () => closedFlag,
        messages: () => frames.filter((x) => !x.binary && x.json !== undefined).map((x) => x.json),
        binaryText: () => Buffer.concat(frames.filter((x) => x.binary).map((x) => x.data)).toString('utf8'),
        waitFrame(what, pred, timeoutMs = 10_000) {
          return new Promise((res, rej) => {
            const check = () => {
              const hit = frames.find(pred);
              if (hit) {
                cleanup();
                res(hit);
              } else if (closedFlag) {
                cleanup();
                rej(new Error(`socket closed before ${what}; frames: ${describeFrames(frames)}`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              rej(new Error(`no ${what} within ${timeoutMs} ms; frames: ${describeFrames(frames)}`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        async close() {
          if (closedFlag) return;
          ws.close();
          const timer = setTimeout(() => ws.terminate(), 2000);
          await closed;
          clearTimeout(timer);
        },
      };
      resolve(client);
    });
  });
}

function describeFrames(frames: WsFrame[]): string {
  const s = frames
    .slice(-12)
    .map((f) =>
      f.binary
        ? `<bin ${JSON.stringify(f.data.toString('utf8').slice(-200))}>`
        : f.data.toString('utf8').slice(0, 400),
    )
    .join(' | ');
  return `${frames.length} frames, last: ${s}`;
}

/** Expects the upgrade to be refused; returns the HTTP status and body. */
export async function wsRefused(
  f: FleetApp,
  pathAndQuery: string,
  as: Caller | null,
  extraHeaders: Record<string, string> = {},
): Promise<WsRefused> {
  try {
    const c = await openWs(f, pathAndQuery, as, extraHeaders);
    // Opened: maybe the server refuses with an error frame and closes instead of refusing the upgrade.
    const closed = await Promise.race([c.closed, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
    await c.close();
    throw new Error(
      `expected the upgrade of ${pathAndQuery} to be refused, but it opened (closed: ${JSON.stringify(closed)}; frames: ${describeFrames(c.frames)})`,
    );
  } catch (err) {
    const e = err as Partial<WsRefused> & Error;
    if (typeof e.status === 'number') return { status: e.status, body: e.body ?? '' };
    throw err;
  }
}

// ---- raw bytes of the store ---------------------------------------------------------------------

/** The SQLite database file and its WAL/SHM companions, concatenated (what an attacker with the disk sees). */
export function storeBytes(t: TestApp): Buffer {
  const files = [t.store.file, `${t.store.file}-wal`, `${t.store.file}-shm`, `${t.store.file}-journal`];
  return Buffer.concat(files.filter((p) => existsSync(p)).map((p) => readFileSync(p)));
}

/** Every file under the app's home dir, concatenated (db, audit head, keys...). */
export function homeBytes(t: TestApp): Buffer {
  const out: Buffer[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(readFileSync(p));
    }
  };
  walk(t.home);
  return Buffer.concat(out);
}

export function assertNotIn(haystack: Buffer | string, needles: Record<string, string>, where: string): void {
  for (const [what, needle] of Object.entries(needles)) {
    const found = Buffer.isBuffer(haystack)
      ? haystack.includes(Buffer.from(needle, 'utf8'))
      : haystack.includes(needle);
    assert.ok(!found, `${what} appears in plaintext in ${where}`);
  }
}

// ---- docker socket connections of this process --------------------------------------------------

/**
 * Inodes of this process's unix sockets connected to the Docker socket: `ss -xp` lists both ends;
 * the engine's end has /var/run/docker.sock as its local address, ours has the engine's inode as peer.
 */
export function dockerConnections(pid = process.pid): Set<string> {
  const r = spawnSync('ss', ['-xpn'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `ss -xpn failed: ${r.stderr}`);
  const engineEnds = new Set<string>();
  const mine: { inode: string; peer: string }[] = [];
  for (const line of r.stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // Netid State Recv-Q Send-Q Local Inode Peer PeerInode [users]
    if (cols[0] !== 'u_str' || cols.length < 8) continue;
    const [, , , , local, inode, , peerInode] = cols;
    if (local === DOCKER_SOCKET && inode) engineEnds.add(inode);
    if (line.includes(`pid=${pid},`) && inode && peerInode) mine.push({ inode, peer: peerInode });
  }
  return new Set(mine.filter((m) => engineEnds.has(m.peer)).map((m) => m.inode));
}

export { dockerCli, waitFor };

// ---- hand-made push reports ---------------------------------------------------------------------

export interface FakeContainer {
  id: string;
  name: string;
  state?: 'running' | 'exited';
  exitCode?: number;
  env?: string[];
  image?: string;
}

/** A schema-valid push report (IngestReport) describing `containers`, as the agent would send it. */
export function fakeReport(containers: FakeContainer[], hostname = 'edge-test'): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    version: 1,
    agent: 'airlock-agent/1',
    hostname,
    sentAt: now,
    ps: containers.map((c) => ({
      ID: c.id,
      Names: c.name,
      Image: c.image ?? 'airlock/base:bookworm',
      State: c.state ?? 'running',
      Status: c.state === 'exited' ? `Exited (${c.exitCode ?? 0}) 1 second ago` : 'Up 5 seconds',
      Command: '"sleep infinity"',
      CreatedAt: '2024-01-01 00:00:00 +0000 UTC',
      Labels: '',
      Ports: '',
      Networks: 'none',
    })),
    inspect: containers.map((c) => ({
      Id: c.id,
      Name: `/${c.name}`,
      Created: '2024-01-01T00:00:00.000000000Z',
      Image: 'sha256:' + '0'.repeat(64),
      RestartCount: 0,
      State: {
        Status: c.state ?? 'running',
        Running: (c.state ?? 'running') === 'running',
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: (c.state ?? 'running') === 'running' ? 4242 : 0,
        ExitCode: c.exitCode ?? 0,
        Error: '',
        StartedAt: '2024-01-01T00:00:01.000000000Z',
        FinishedAt: c.state === 'exited' ? '2024-01-01T00:00:02.000000000Z' : '0001-01-01T00:00:00Z',
      },
      Config: { Image: c.image ?? 'airlock/base:bookworm', Env: c.env ?? ['PATH=/usr/bin'], Labels: {} },
      HostConfig: { RestartPolicy: { Name: 'no' } },
      NetworkSettings: { Networks: {} },
      Mounts: [],
    })),
    stats: containers
      .filter((c) => (c.state ?? 'running') === 'running')
      .map((c) => ({
        ID: c.id,
        Name: c.name,
        CPUPerc: '0.50%',
        MemUsage: '1MiB / 1GiB',
        MemPerc: '0.10%',
        NetIO: '0B / 0B',
        BlockIO: '0B / 0B',
        PIDs: '1',
      })),
  };
}

export const randomHexId = (): string =>
  Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');

/** POST /api/ingest/docker with a bearer host token (raw body if a string). */
export function ingest(f: FleetApp, token: string | null, body: unknown): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return f.t.app.fastify.inject({
    method: 'POST',
    url: '/api/ingest/docker',
    headers,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export type WsOutcome =
  | { kind: 'refused'; status: number; body: string }
  | { kind: 'closed'; code: number; reason: string; messages: unknown[] }
  | { kind: 'open'; messages: unknown[] };

/**
 * What happens to a WebSocket: refused at the upgrade (HTTP status), or opened and then closed by
 * the server (close code, reason, error frames), or still open after `waitMs` (then closed by us).
 */
export async function wsOutcome(
  f: FleetApp,
  pathAndQuery: string,
  as: Caller | null,
  waitMs = 3000,
  extraHeaders: Record<string, string> = {},
): Promise<WsOutcome> {
  let c: WsClient;
  try {
    c = await openWs(f, pathAndQuery, as, extraHeaders);
  } catch (err) {
    const e = err as Partial<WsRefused> & Error;
    if (typeof e.status === 'number') return { kind: 'refused', status: e.status, body: e.body ?? '' };
    throw err;
  }
  const closed = await Promise.race([c.closed, new Promise<null>((r) => setTimeout(() => r(null), waitMs))]);
  if (closed) return { kind: 'closed', code: closed.code, reason: closed.reason, messages: c.messages() };
  const messages = c.messages();
  await c.close();
  return { kind: 'open', messages };
}

/** A WS that must not work: refused with 4xx, or closed by the server with a policy/error code and a reason. */
export function assertWsDenied(o: WsOutcome, what: string, statuses: number[] = [400, 404]): void {
  if (o.kind === 'refused') {
    assert.ok(
      statuses.includes(o.status),
      `${what}: upgrade refused with ${o.status} (expected ${statuses.join('/')}): ${o.body}`,
    );
    const body = JSON.parse(o.body) as { message?: string };
    assert.ok(body.message && body.message.length > 0, `${what}: a clear message`);
    return;
  }
  if (o.kind === 'closed') {
    const errorFrame = o.messages.find((m) => (m as { type?: string }).type === 'error') as
      { message?: string } | undefined;
    assert.ok(
      [1008, 1003].includes(o.code) || o.code >= 4000,
      `${what}: closed with code ${o.code} (${o.reason}); messages ${JSON.stringify(o.messages)}`,
    );
    assert.ok(o.reason.length > 0 || (errorFrame?.message?.length ?? 0) > 0, `${what}: a reason is given`);
    return;
  }
  assert.fail(`${what}: the socket stayed open (messages ${JSON.stringify(o.messages).slice(0, 500)})`);
}

/**
 * A raw HTTP request to the listening app with the path sent exactly as given (no URL normalization,
 * unlike `inject`), as curl --path-as-is or an attacker's client would send it.
 */
export function rawHttp(
  f: FleetApp,
  method: string,
  rawPath: string,
  as: Caller | null,
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (as?.cookie) {
      headers.cookie = `${SESSION_COOKIE}=${as.cookie}`;
      if (as.csrf) headers['x-csrf-token'] = as.csrf;
    }
    if (as?.bearer) headers.authorization = `Bearer ${as.bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request(
      { host: '127.0.0.1', port: f.port, method, path: rawPath, headers, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${rawPath}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * In-use (not pooled) HTTP connections to the Docker socket held by this process's global agent,
 * which the in-process server's engine calls use: a follow stream holds one for as long as it lives,
 * while idle keep-alive sockets (which linger for seconds) are not counted.
 */
export function dockerSocketsInUse(): number {
  const agent = http.globalAgent as unknown as { sockets: Record<string, unknown[] | undefined> };
  return Object.entries(agent.sockets)
    .filter(([key]) => key.includes(DOCKER_SOCKET))
    .reduce((n, [, list]) => n + (list?.length ?? 0), 0);
}
