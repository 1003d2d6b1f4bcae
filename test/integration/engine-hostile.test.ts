// Issue 8 §1: a hostile or broken engine on a host's socket. Fake engines (Node HTTP servers, or a
// raw socket, on unix sockets in a temp dir) answer /_ping and then pour endless answers, endless
// refusals, or hostile text. The deck must stop reading each buffered answer at its cap (the fake
// counts what it wrote, and sees the deck close the connection soon after the cap), mark the host
// degraded with the reason, and never show a non-Docker peer's text in the host's status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ANSWER_CAPS } from '../../apps/server/src/adapters/docker-answers';
import { DockerEngine } from '../../apps/server/src/adapters/docker.adapter';
import { EngineAnswerTooLarge } from '../../apps/server/src/lib/adapter-errors';
import { describeContainer } from '../../apps/server/src/modules/fleet/inspect';
import { UpstreamError } from '../../apps/server/src/lib/errors';
import { assertError } from '../support/app';
import { waitFor } from '../support/docker';
import { createHost, getHost, startFleetApp, waitHostState, type FleetApp } from '../support/fleet';

const RUN = randomBytes(4).toString('hex');
const MiB = 1024 * 1024;
/** What the deck may read past a cap before it closes: the two unix socket buffers (~200 KiB seen). */
const SLACK = 1 * MiB;
/**
 * A fake never writes more than this to one answer, then holds the connection open without ending
 * it. Without the caps the deck would read forever (2.8 GiB in 10 s); this keeps a failing run from
 * eating the shared machine while still proving the deck did not stop by itself.
 */
const POUR_LIMIT = 96 * MiB;
const ID = 'c'.repeat(64);
/** Text a hostile peer hopes to put in front of every viewer: screen clear, colour, bell, bidi. */
const HOSTILE = `\x1b[2J\x1b[31mPWNED-${RUN}\x07\u202egnp.exe\u202c\u200b${'A'.repeat(10_000)}\r\nEND`;

interface Served {
  path: string;
  written: number;
  /** The deck closed the connection (a pouring answer never ends on its own). */
  closed: boolean;
}

type Responder = (req: http.IncomingMessage, res: http.ServerResponse, rec: Served) => void;

const DOCKER_HEADERS = { 'Api-Version': '1.47', Server: 'Docker/27.0.0 (linux)', Ostype: 'linux' };

const answer =
  (body: string, status = 200, docker = true, type = 'application/json'): Responder =>
  (_req, res) => {
    res.writeHead(status, { ...(docker ? DOCKER_HEADERS : {}), 'Content-Type': type });
    res.end(body);
  };

/** Starts an answer that never ends: `head`, then `unit` again and again (with backpressure). */
const pour =
  (head: string, unit: string, status = 200): Responder =>
  (_req, res, rec) => {
    res.writeHead(status, { ...DOCKER_HEADERS, 'Content-Type': 'application/json' });
    const chunk = Buffer.from(unit.repeat(Math.ceil((64 * 1024) / unit.length)));
    rec.written += Buffer.byteLength(head);
    res.write(head);
    const more = () => {
      while (!rec.closed && rec.written < POUR_LIMIT) {
        rec.written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', more);
          return;
        }
      }
    };
    more();
  };

/** The events stream of an idle engine: headers, then nothing, until the deck goes away. */
const hold: Responder = (_req, res) => {
  res.writeHead(200, { ...DOCKER_HEADERS, 'Content-Type': 'application/json' });
  res.flushHeaders();
};

const INSPECT = JSON.stringify({
  Id: ID,
  Name: '/hostile-web',
  Created: '2024-01-01T00:00:00Z',
  RestartCount: 0,
  State: {
    Status: 'running',
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 42,
    ExitCode: 0,
    StartedAt: '2024-01-01T00:00:01Z',
    FinishedAt: '0001-01-01T00:00:00Z',
  },
  Config: { Image: 'hostile:latest', Tty: false, Env: [] },
});

/**
 * Listens on a unix socket; the returned close ends every connection first (a pouring answer, or a
 * half-closed one, would otherwise keep `server.close` waiting for ever).
 */
async function listen(server: net.Server, sock: string): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
}

interface Fake {
  sock: string;
  served: Served[];
  /** The answers to one path (without the query), in arrival order. */
  at(p: string): Served[];
  close(): Promise<void>;
}

describe('engine: hostile and broken engines', () => {
  let f: FleetApp;
  let dir = '';
  const fakes: Fake[] = [];

  /**
   * A fake engine. Routes are matched on the path without its query; unlisted paths answer as an
   * idle Docker engine would (ping OK, events held open, no containers).
   */
  async function fakeEngine(name: string, routes: Record<string, Responder> = {}): Promise<Fake> {
    const sock = path.join(dir, `${name}.sock`);
    const served: Served[] = [];
    const defaults: Record<string, Responder> = {
      '/_ping': answer('OK', 200, true, 'text/plain'),
      '/events': hold,
      '/containers/json': answer('[]'),
    };
    const server = http.createServer((req, res) => {
      const p = (req.url ?? '').split('?')[0] ?? '';
      const rec: Served = { path: p, written: 0, closed: false };
      served.push(rec);
      res.on('close', () => (rec.closed = true));
      const r = routes[p] ?? defaults[p] ?? answer('{"message":"page not found"}', 404);
      r(req, res, rec);
    });
    const fake: Fake = {
      sock,
      served,
      at: (p) => served.filter((s) => s.path === p),
      close: await listen(server, sock),
    };
    fakes.push(fake);
    return fake;
  }

  /** A host on a fake's socket. */
  async function hostOn(fake: Fake, label: string): Promise<string> {
    return (await createHost(f, { kind: 'local', label: `${label}-${RUN}`, socketPath: fake.sock })).host.id;
  }

  /** Waits for the deck to close an answer, then checks how much of it was written. */
  async function assertCut(fake: Fake, p: string, cap: number): Promise<Served> {
    const rec = await waitFor<Served>(
      `the deck to close its connection for ${p}`,
      () => Promise.resolve(fake.at(p).find((s) => s.closed) ?? false),
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    assert.ok(rec.written <= cap + SLACK, `${p}: ${rec.written} bytes written, cap ${cap} + slack ${SLACK}`);
    return rec;
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-hostile-'));
    f = await startFleetApp();
  });

  after(async () => {
    await f?.close();
    for (const fake of fakes) await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an endless container list: the deck reads 32 MiB, closes, and the host is degraded with the reason', async () => {
    const fake = await fakeEngine('endless-list', {
      '/containers/json': pour('[', `{"Id":"${ID}"},`),
    });
    const hostId = await hostOn(fake, 'endless-list');
    const host = await waitHostState(f, hostId, (h) => h.status.state === 'degraded', 'host degraded');
    assert.equal(
      host.status.reason,
      "The engine's answer to list containers passed 32 MiB; Airlock stopped reading it.",
    );
    const rec = await assertCut(fake, '/containers/json', ANSWER_CAPS.list);
    assert.ok(rec.written > ANSWER_CAPS.list, 'the deck read up to the cap');
    // Heartbeats keep answering "OK" (every 1.5 s); they must not call the host healthy again.
    await new Promise((r) => setTimeout(r, 1_800));
    const later = await getHost(f, hostId);
    assert.equal(later.status.state, 'degraded');
    assert.match(later.status.reason, /list containers passed 32 MiB/);
    assert.ok(fake.at('/_ping').length >= 2, 'heartbeats reached the engine');
  });

  it('an endless inspect answer is cut at 8 MiB and degrades the host', async () => {
    const fake = await fakeEngine('endless-inspect', {
      '/containers/json': answer(JSON.stringify([{ Id: ID }])),
      [`/containers/${ID}/json`]: pour(`{"Id":"${ID}","Pad":"`, 'x'.repeat(1024)),
    });
    const hostId = await hostOn(fake, 'endless-inspect');
    const host = await waitHostState(f, hostId, (h) => h.status.state === 'degraded', 'host degraded');
    assert.equal(
      host.status.reason,
      "The engine's answer to inspect container passed 8 MiB; Airlock stopped reading it.",
    );
    await assertCut(fake, `/containers/${ID}/json`, ANSWER_CAPS.inspect);
  });

  it('endless stats and non-follow logs answers: the viewer gets a 502 saying so, the host is degraded; the logs tail is cut', async () => {
    const fake = await fakeEngine('endless-stats', {
      '/containers/json': answer(JSON.stringify([{ Id: ID }])),
      [`/containers/${ID}/json`]: answer(INSPECT),
      [`/containers/${ID}/stats`]: pour('{"read":"', 'y'.repeat(1024)),
      [`/containers/${ID}/logs`]: pour(
        '',
        `\u0001\u0000\u0000\u0000\u0000\u0000\u0004\u0000${'z'.repeat(1023)}\n`,
      ),
    });
    const hostId = await hostOn(fake, 'endless-stats');
    await waitHostState(f, hostId, (h) => h.status.state === 'connected', 'host connected');

    const stats = assertError(
      await f.t.request('GET', `/api/containers/${hostId}/${ID}/stats`, { as: f.viewer }),
      502,
      'upstream_failed',
    );
    assert.equal(
      stats.message,
      "The engine's answer to read container stats passed 1 MiB; Airlock stopped reading it.",
    );
    await assertCut(fake, `/containers/${ID}/stats`, ANSWER_CAPS.stats);
    const host = await getHost(f, hostId);
    assert.equal(host.status.state, 'degraded');
    assert.equal(host.status.reason, stats.message);

    // Non-follow logs (the log viewer's tail) are buffered, so capped. A download is not: it streams
    // with backpressure, holds a few pieces at a time, and ends when the client stops reading
    // (log-download.test.ts).
    const engine = new DockerEngine({
      describe: describeContainer,
      hostId: 'endless-logs',
      socketPath: fake.sock,
    });
    await assert.rejects(
      (async () => {
        for await (const line of await engine.logs(ID, { tail: 100 })) void line;
      })(),
      (err) => {
        assert.ok(err instanceof EngineAnswerTooLarge, String(err));
        assert.equal(
          err.message,
          "The engine's answer to read container logs passed 16 MiB; Airlock stopped reading it.",
        );
        return true;
      },
    );
    await assertCut(fake, `/containers/${ID}/logs`, ANSWER_CAPS.logs);
  });

  it('an endless ping answer (version/info share its 1 MiB cap) is cut at the adapter', async () => {
    const fake = await fakeEngine('endless-ping', { '/_ping': pour('OK', 'OK') });
    const engine = new DockerEngine({
      describe: describeContainer,
      hostId: 'endless-ping',
      socketPath: fake.sock,
    });
    const heard: EngineAnswerTooLarge[] = [];
    engine.onAnswerTooLarge((e) => heard.push(e));
    await assert.rejects(engine.ping(), (err) => {
      assert.ok(err instanceof EngineAnswerTooLarge, String(err));
      assert.equal(err.status, 502);
      assert.equal(err.message, "The engine's answer to ping passed 1 MiB; Airlock stopped reading it.");
      return true;
    });
    assert.equal(heard.length, 1);
    await assertCut(fake, '/_ping', ANSWER_CAPS.engine);
  });

  it('an endless refusal body is cut at 64 KiB: for a buffered list and for the events stream', async () => {
    const list = await fakeEngine('endless-refusal-list', {
      '/containers/json': pour('{"message":"', 'e'.repeat(1024), 500),
    });
    const listHost = await hostOn(list, 'endless-refusal-list');
    const degraded = await waitHostState(f, listHost, (h) => h.status.state === 'degraded', 'host degraded');
    assert.equal(
      degraded.status.reason,
      "The engine's error answer to list containers passed 64 KiB; Airlock stopped reading it.",
    );
    await assertCut(list, '/containers/json', ANSWER_CAPS.error);

    const events = await fakeEngine('endless-refusal-events', {
      '/events': pour('{"message":"', 'e'.repeat(1024), 500),
    });
    const eventsHost = await hostOn(events, 'endless-refusal-events');
    const down = await waitHostState(
      f,
      eventsHost,
      (h) => h.status.state === 'unreachable' && h.status.reason !== '',
      'host unreachable with a reason',
    );
    assert.equal(
      down.status.reason,
      "The engine's error answer to open events stream passed 64 KiB; Airlock stopped reading it.",
    );
    await assertCut(events, '/events', ANSWER_CAPS.error);
  });

  it('a peer that is not a Docker engine never gets its text into the host status', async () => {
    // Three kinds of peer: one that does not speak HTTP, one that refuses everything with its own
    // text, and one that answers the ping 200 with something other than Docker's "OK".
    const raw = path.join(dir, 'raw.sock');
    const rawServer = net.createServer((s) => {
      s.on('error', () => undefined);
      s.end(HOSTILE);
    });
    fakes.push({ sock: raw, served: [], at: () => [], close: await listen(rawServer, raw) });
    const refuses = await fakeEngine('refuses', {
      '/_ping': answer(HOSTILE, 500, false, 'text/plain'),
    });
    const chatty = await fakeEngine('chatty', {
      '/_ping': answer(HOSTILE, 200, false, 'text/plain'),
      '/events': answer(HOSTILE, 500, false, 'text/plain'),
      '/containers/json': answer(HOSTILE, 500, false, 'text/plain'),
    });
    for (const [label, sock] of [
      ['raw', raw],
      ['refuses', refuses.sock],
      ['chatty', chatty.sock],
    ] as const) {
      const id = (await createHost(f, { kind: 'local', label: `${label}-${RUN}`, socketPath: sock })).host.id;
      const host = await waitHostState(
        f,
        id,
        (h) => h.status.state === 'unreachable' && h.status.reason !== '',
        `${label}: unreachable with a reason`,
      );
      assert.equal(host.status.reason, `The socket at ${sock} did not answer as a Docker engine.`, label);
      const body = (await f.t.request('GET', '/api/hosts', { as: f.viewer })).body;
      assert.ok(!body.includes('PWNED'), `${label}: the peer's text reached the hosts list`);
      assert.ok(!body.includes('AAAAAAAA'), `${label}: the peer's text reached the hosts list`);
    }
  });

  it("a Docker engine's refusal is shown cleaned: no control or bidi characters, and cut short", async () => {
    const fake = await fakeEngine('dirty-refusal', {
      '/containers/json': answer(JSON.stringify({ message: `boom-${RUN} ${HOSTILE}` }), 500),
    });
    const hostId = await hostOn(fake, 'dirty-refusal');
    const host = await waitHostState(
      f,
      hostId,
      (h) => h.status.state === 'unreachable' && h.status.reason !== '',
      'host unreachable with a reason',
    );
    const reason = host.status.reason;
    const prefix = `The Docker engine docker@${hostId} failed to list containers (HTTP 500): `;
    assert.ok(reason.startsWith(`${prefix}boom-${RUN} PWNED-${RUN} gnp.exeAAAA`), reason);
    assert.ok(
      // eslint-disable-next-line no-control-regex -- looking for control characters is the test
      !/[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/.test(reason),
      JSON.stringify(reason),
    );
    const quoted = Array.from(reason.slice(prefix.length));
    assert.equal(quoted.length, 300);
    assert.ok(reason.endsWith('…'));
    assert.ok(!reason.includes('END'));

    // The same text through the adapter, as an API caller would get it.
    const engine = new DockerEngine({ describe: describeContainer, hostId: 'dirty', socketPath: fake.sock });
    await engine.ping();
    await assert.rejects(engine.list(), (err) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(
        err.message,
        `The Docker engine docker@dirty failed to list containers (HTTP 500): ${quoted.join('')}`,
      );
      return true;
    });
  });
});
