// Log downloads (issue 8 §1) against the real local Docker engine: a container with a 45 MB log is
// downloaded in full and streamed (a paused reader stops the deck reading the engine), one user gets
// at most two downloads at once (429 + Retry-After for a third, nobody else affected, a finished or
// abandoned download frees its slot), and a client that goes away closes the engine request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import { SESSION_COOKIE } from '@airlock/contract/auth';
import type { Caller } from '../support/app';
import { dockerCli, ensureBaseImage, removeContainers, waitFor } from '../support/docker';
import {
  createHost,
  runContainer,
  startFleetApp,
  waitContainer,
  waitHostState,
  type FleetApp,
} from '../support/fleet';

const RUN = randomBytes(4).toString('hex');
const NAME = `airlock-test-${RUN}-biglog`;
/** Lines the container writes; downloads ask for the last TAIL of them (the API's maximum). */
const TOTAL = 120_000;
const TAIL = 100_000;
const PAD = 'x'.repeat(440);
/** What the engine holds for the last TAIL lines (payload only): "line-NNNNNN-" + PAD + "\n". */
const TAIL_BYTES = TAIL * (12 + PAD.length + 1);
const MiB = 1024 * 1024;

const lineNo = (n: number) => `line-${String(n).padStart(6, '0')}-${PAD}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- what the deck asks of the engine -----------------------------------------------------------

/** A logs request the in-process server made to the Docker engine, seen from its client side. */
interface EngineRequest {
  request: http.ClientRequest;
  closed: boolean;
  bytesRead(): number;
}

const engineRequests: EngineRequest[] = [];
function onRequestStart(message: unknown): void {
  const { request } = message as { request: http.ClientRequest };
  if (!request.path.includes('/logs?')) return;
  const e: EngineRequest = {
    request,
    closed: false,
    bytesRead: () => request.socket?.bytesRead ?? 0,
  };
  request.once('close', () => (e.closed = true));
  engineRequests.push(e);
}

/** The logs requests to the engine for our container that are still open. */
const openEngineRequests = (containerId: string) =>
  engineRequests.filter((e) => !e.closed && e.request.path.includes(containerId));

// ---- a download over real HTTP ------------------------------------------------------------------

interface Download {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Resolves with the first body chunk; the reader then pauses (reads nothing more). */
  first(): Promise<Buffer>;
  /** Resumes and reads to the end; the whole body. */
  rest(): Promise<string>;
  /** The client goes away mid-download. */
  abort(): void;
  received(): number;
}

function startDownload(f: FleetApp, path: string, as: Caller): Promise<Download> {
  const headers: Record<string, string> = {};
  if (as.cookie) headers.cookie = `${SESSION_COOKIE}=${as.cookie}`;
  if (as.bearer) headers.authorization = `Bearer ${as.bearer}`;
  return new Promise((resolve, reject) => {
    // agent: false: every download has its own connection, as parallel browser downloads do.
    const req = http.request({ host: '127.0.0.1', port: f.port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let firstWaiter: ((b: Buffer) => void) | null = null;
      const ended = new Promise<string>((res2, rej2) => {
        res.on('end', () => res2(Buffer.concat(chunks).toString('utf8')));
        res.on('error', rej2);
        res.on('aborted', () => rej2(new Error('the server cut the download off')));
      });
      ended.catch(() => undefined);
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
        if (firstWaiter) {
          res.pause();
          firstWaiter(c);
          firstWaiter = null;
        }
      });
      res.pause();
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        first: () =>
          new Promise<Buffer>((r) => {
            firstWaiter = r;
            res.resume();
          }),
        rest: () => {
          res.resume();
          return ended;
        },
        abort: () => req.destroy(),
        received: () => received,
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('log downloads: streamed, bounded, at most two per user', () => {
  let f: FleetApp;
  let hostId = '';
  let containerId = '';
  let viewerToken: Caller;
  const url = (tail = TAIL) => `/api/containers/${hostId}/${NAME}/logs/download?tail=${tail}`;

  before(async () => {
    diagnostics.subscribe('http.client.request.start', onRequestStart);
    await ensureBaseImage();
    f = await startFleetApp();
    const created = await createHost(f, { kind: 'local', label: `local-${RUN}` });
    hostId = created.host.id;
    // seq writes the whole log in well under a second; the container then exits, so the log is fixed.
    containerId = await runContainer(NAME, [], ['seq', '-f', `line-%06g-${PAD}`, '1', String(TOTAL)]);
    assert.equal((await dockerCli('wait', containerId)).trim(), '0');
    await waitHostState(f, hostId, (h) => h.status.state === 'connected', 'local host connected');
    await waitContainer(f, 'the log container listed', (c) => c.name === NAME, {
      query: `?host=${hostId}`,
    });
    await f.t.unlock(f.viewer);
    const token = await f.t.createToken(f.viewer, 'second credential of the viewer');
    viewerToken = { ...f.viewer, cookie: undefined, csrf: undefined, bearer: token.secret };
  });

  after(async () => {
    diagnostics.unsubscribe('http.client.request.start', onRequestStart);
    await removeContainers([NAME]);
    await f?.close();
  });

  it('the whole tail arrives, streamed: a paused reader stops the deck reading the engine', async () => {
    const d = await startDownload(f, url(), f.viewer);
    assert.equal(d.status, 200);
    assert.match(String(d.headers['content-type']), /^text\/plain; charset=utf-8/);
    assert.equal(d.headers['content-disposition'], `attachment; filename="${NAME}.log"`);
    assert.equal(d.headers['cache-control'], 'no-store');
    await d.first();
    // The first bytes are here while the engine request is still open: nothing was read whole.
    const open = openEngineRequests(containerId);
    assert.equal(open.length, 1, 'one open engine request while the download is under way');
    const engine = open[0]!;
    // With the reader paused, socket buffers fill and the deck stops reading the engine.
    await sleep(1000);
    const readPaused = engine.bytesRead();
    await sleep(1000);
    const readLater = engine.bytesRead();
    process.stdout.write(
      `# paused reader: ${(d.received() / MiB).toFixed(1)} MiB received, engine read ${(readPaused / MiB).toFixed(1)} → ${(readLater / MiB).toFixed(1)} MiB of ${(TAIL_BYTES / MiB).toFixed(1)} MiB\n`,
    );
    assert.equal(readLater, readPaused, 'nothing more is read from the engine while the reader is paused');
    assert.ok(
      readLater < TAIL_BYTES / 2,
      `the deck read ${readLater} bytes of ${TAIL_BYTES} from the engine ahead of a paused reader`,
    );
    assert.equal(engine.closed, false);

    const body = await d.rest();
    const lines = body.split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a newline');
    assert.equal(lines.length, TAIL);
    const first = TOTAL - TAIL + 1;
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\S+) stdout (.*)$/.exec(lines[i]!);
      assert.ok(m, `line ${i} is "<time> stdout <text>": ${lines[i]!.slice(0, 80)}`);
      assert.match(m[1]!, /^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$/);
      if (m[2] !== lineNo(first + i))
        assert.fail(`line ${i}: ${m[2]!.slice(0, 20)}, expected ${lineNo(first + i).slice(0, 20)}`);
    }
    await waitFor('the engine request closed', () => Promise.resolve(engine.closed), {
      timeoutMs: 2000,
      intervalMs: 20,
    });
  });

  it('a third parallel download of one user is refused with 429 + Retry-After; others are not; a finished one frees its slot', async () => {
    const a = await startDownload(f, url(), f.viewer);
    await a.first();
    // The same user through another credential: the cap is per user, not per session or token.
    const b = await startDownload(f, url(), viewerToken);
    await b.first();
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const before = engineRequests.length;
    const third = await f.t.request('GET', url(), { as: f.viewer });
    assert.equal(third.statusCode, 429, third.body.slice(0, 300));
    assert.equal(third.headers['retry-after'], '5');
    const refusal = third.json<{ code: string; message: string }>();
    assert.equal(refusal.code, 'rate_limited');
    assert.match(refusal.message, /at most 2 at once/);
    assert.equal(engineRequests.length, before, 'a refused download never reaches the engine');
    assert.equal((await f.t.request('GET', url(), { as: viewerToken })).statusCode, 429);

    // Another user downloads in full meanwhile.
    const other = await startDownload(f, url(), f.operator);
    assert.equal(other.status, 200);
    assert.equal((await other.rest()).split('\n').length - 1, TAIL);

    // One of the viewer's downloads finishes: a new one is admitted while the other still runs.
    assert.equal((await a.rest()).split('\n').length - 1, TAIL);
    const next = await waitFor(
      'a new download admitted after one finished',
      async () => {
        const r = await f.t.request('GET', url(10), { as: f.viewer });
        return r.statusCode === 200 ? r : false;
      },
      { timeoutMs: 2000, intervalMs: 50 },
    );
    assert.equal(next.body.split('\n').length - 1, 10);
    assert.equal((await b.rest()).split('\n').length - 1, TAIL);
  });

  it('four downloads at once (two users) hold a few MiB, not the logs; /api/health answers meanwhile', async () => {
    const rss = () => process.memoryUsage().rss;
    const baseline = rss();
    const all = await Promise.all(
      [f.viewer, viewerToken, f.operator, f.operatorLocked].map((as) => startDownload(f, url(), as)),
    );
    for (const d of all) assert.equal(d.status, 200);
    await Promise.all(all.map((d) => d.first()));
    // Let every pipe fill up to the paused readers' socket buffers.
    await sleep(1000);
    const grown = rss() - baseline;
    const t0 = Date.now();
    const health = await f.t.request('GET', '/api/health');
    const healthMs = Date.now() - t0;
    process.stdout.write(
      `# four paused downloads of ${(TAIL_BYTES / MiB).toFixed(1)} MiB each: RSS grew ${(grown / MiB).toFixed(1)} MiB; /api/health in ${healthMs} ms\n`,
    );
    assert.equal(health.statusCode, 200);
    // Buffered whole, each would hold its log several times over (engine answer, lines, text).
    assert.ok(grown < 64 * MiB, `RSS grew ${(grown / MiB).toFixed(1)} MiB with four downloads open`);
    assert.ok(healthMs < 1000, `/api/health took ${healthMs} ms`);
    for (const d of all) d.abort();
    await waitFor(
      'no engine request left open',
      () => Promise.resolve(openEngineRequests(containerId).length === 0),
      {
        timeoutMs: 2000,
        intervalMs: 20,
      },
    );
  });

  it('a client that goes away mid-download frees its slot and closes the engine request', async () => {
    const held = await startDownload(f, url(), f.viewer);
    await held.first();
    const known = new Set(engineRequests);
    const quitter = await startDownload(f, url(), f.viewer);
    await quitter.first();
    const engine = engineRequests.filter((e) => !known.has(e) && e.request.path.includes(containerId));
    assert.equal(engine.length, 1, 'the second download has its engine request');
    assert.equal(engine[0]!.closed, false);
    // At the cap now: the viewer's third is refused ...
    assert.equal((await f.t.request('GET', url(10), { as: f.viewer })).statusCode, 429);
    quitter.abort();
    const t0 = Date.now();
    await waitFor(
      'the engine request closed after the client left',
      () => Promise.resolve(engine[0]!.closed),
      {
        timeoutMs: 2000,
        intervalMs: 20,
      },
    );
    process.stdout.write(`# engine request closed ${Date.now() - t0} ms after the client left\n`);
    // ... and admitted once the quitter's slot is free, while `held` still runs.
    await waitFor(
      'a download admitted after the client left',
      async () => (await f.t.request('GET', url(10), { as: f.viewer })).statusCode === 200,
      { timeoutMs: 2000, intervalMs: 50 },
    );
    assert.equal(openEngineRequests(containerId).length, 1, 'only the held download still reads the engine');
    held.abort();
    await waitFor(
      'no engine request left open',
      () => Promise.resolve(openEngineRequests(containerId).length === 0),
      {
        timeoutMs: 2000,
        intervalMs: 20,
      },
    );
  });
});
