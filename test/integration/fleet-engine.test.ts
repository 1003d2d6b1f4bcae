// Fleet (issue 3) against the real local Docker engine: classification and ordering of real red and
// green containers, filters, masked env, live events over /api/stream within a second, audited
// actions and removal with their guards, logs and exec over WebSockets. Never skipped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type {
  ActionResponse,
  ContainerDetail,
  ContainerStats,
  LogLine,
  LogsServerMessage,
} from '@airlock/contract/fleet';
import { assertError } from '../support/app';
import { ensureBaseImage, removeContainers, waitFor } from '../support/docker';
import {
  auditEvents,
  containerGone,
  createHost,
  dockerCli,
  dockerConnections,
  dockerSocketsInUse,
  inspectState,
  json,
  listContainers,
  openWs,
  runContainer,
  startFleetApp,
  waitContainer,
  waitHostState,
  wsRefused,
  assertWsDenied,
  wsOutcome,
  type FleetApp,
  type WsFrame,
} from '../support/fleet';

const RUN = randomBytes(4).toString('hex');
const PREFIX = `airlock-test-${RUN}-eng`;
const N = {
  health: `${PREFIX}-health`,
  exit3: `${PREFIX}-exit3`,
  loop: `${PREFIX}-loop`,
  green: `${PREFIX}-green`,
  event: `${PREFIX}-event`,
  act: `${PREFIX}-act`,
  logs: `${PREFIX}-logs`,
  rmExited: `${PREFIX}-rmexited`,
  rmRunning: `${PREFIX}-rmrunning`,
  bigEnv: `${PREFIX}-bigenv`,
};
const SECRET = 'supersecretvalue123';

type Upsertish = { type?: string; hostId?: string; items?: { id: string; state: string; name: string }[] };

describe('fleet: the local engine through the API', () => {
  let f: FleetApp;
  let hostId = '';
  let hostLabel = '';
  const ids: Record<string, string> = {};

  before(async () => {
    await ensureBaseImage();
    f = await startFleetApp();
    hostLabel = `local-${RUN}`;
    const created = await createHost(f, { kind: 'local', label: hostLabel });
    hostId = created.host.id;
    const keep = ['sleep', 'infinity'];
    const [health, exit3, loop, green, event, act, logs, rmExited, rmRunning] = await Promise.all([
      runContainer(
        N.health,
        ['--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1'],
        keep,
      ),
      runContainer(N.exit3, [], ['sh', '-c', 'exit 3']),
      runContainer(N.loop, ['--restart', 'always'], ['sh', '-c', 'exit 1']),
      runContainer(N.green, ['-e', `API_TOKEN=${SECRET}`, '-e', 'DB_PASSWORD=x', '-e', 'PLAIN=hello'], keep),
      runContainer(N.event, [], keep),
      runContainer(N.act, [], keep),
      runContainer(
        N.logs,
        [],
        [
          'sh',
          '-c',
          'echo out-start; echo err-start >&2; i=0; while :; do i=$((i+1)); echo tick$i; echo errtick$i >&2; sleep 0.2; done',
        ],
      ),
      runContainer(N.rmExited, [], ['sh', '-c', 'exit 0']),
      runContainer(N.rmRunning, [], keep),
    ]);
    Object.assign(ids, { health, exit3, loop, green, event, act, logs, rmExited, rmRunning });
    await waitHostState(f, hostId, (h) => h.status.state === 'connected', 'local host connected');
  });

  after(async () => {
    await removeContainers(Object.values(N));
    await f?.close();
  });

  it('classifies real containers: unhealthy, exit 3 and a restart loop are red, sleep is green; red sorts first', async () => {
    const q = `?host=${hostId}&q=${encodeURIComponent(PREFIX)}`;
    const health = await waitContainer(
      f,
      'unhealthy container red',
      (c) => c.name === N.health && c.health === 'unhealthy',
      { query: q },
    );
    assert.equal(health.status, 'red');
    assert.match(health.statusReason, /unhealthy/);
    const exit3 = await waitContainer(f, 'exit 3 red', (c) => c.name === N.exit3 && c.state === 'exited', {
      query: q,
    });
    assert.equal(exit3.status, 'red');
    assert.equal(exit3.exitCode, 3);
    assert.match(exit3.statusReason, /3/);
    const loop = await waitContainer(
      f,
      'restart loop red',
      (c) => c.name === N.loop && c.status === 'red' && c.restartCount > 0,
      { query: q },
    );
    assert.match(loop.statusReason, /restart/);
    const green = await waitContainer(f, 'sleep green', (c) => c.name === N.green, { query: q });
    assert.equal(green.status, 'green');
    assert.equal(green.state, 'running');
    assert.equal(green.hostId, hostId);
    assert.equal(green.id, ids.green);

    const list = await listContainers(f, q);
    const order = list.items.map((c) => c.status);
    const rank = { red: 0, amber: 1, green: 2 } as const;
    for (let i = 1; i < order.length; i++) {
      assert.ok(
        rank[order[i - 1]!] <= rank[order[i]!],
        `default sort is red, amber, green: ${JSON.stringify(list.items.map((c) => [c.name, c.status]))}`,
      );
    }
    // Ties by name.
    const reds = list.items.filter((c) => c.status === 'red').map((c) => c.name);
    assert.deepEqual(reds, [...reds].sort(), 'reds ordered by name');
    assert.equal(list.total, list.items.length);
    assert.ok(list.counts.red >= 3 && list.counts.green >= 1, JSON.stringify(list.counts));
  });

  it('filters: status=red, host=, q=, state=, limit', async () => {
    await waitContainer(f, 'unhealthy', (c) => c.name === N.health && c.status === 'red', {
      query: `?q=${PREFIX}`,
    });
    const red = await listContainers(f, `?status=red&q=${encodeURIComponent(PREFIX)}`);
    const redNames = red.items.map((c) => c.name);
    for (const n of [N.health, N.exit3])
      assert.ok(redNames.includes(n), `${n} in status=red: ${redNames.join(',')}`);
    assert.ok(!redNames.includes(N.green));
    assert.ok(red.items.every((c) => c.status === 'red'));

    const byName = await listContainers(f, `?q=${encodeURIComponent(N.green.toUpperCase())}`);
    assert.deepEqual(
      byName.items.map((c) => c.name),
      [N.green],
      'q is a case-insensitive substring',
    );

    const onHost = await listContainers(f, `?host=${hostId}&q=${PREFIX}`);
    assert.ok(onHost.items.length >= 9 - 1 && onHost.items.every((c) => c.hostId === hostId));
    const otherHost = await listContainers(f, `?host=nosuchhost&q=${PREFIX}`);
    assert.equal(otherHost.items.length, 0);

    const exited = await listContainers(f, `?state=exited&q=${PREFIX}`);
    assert.ok(exited.items.length > 0 && exited.items.every((c) => c.state === 'exited'));
    const limited = await listContainers(f, `?q=${PREFIX}&limit=2`);
    assert.equal(limited.items.length, 2);
    assert.ok(limited.total > 2, 'total counts before limit');
    const byNameSort = await listContainers(f, `?q=${PREFIX}&sort=name&order=desc`);
    const names = byNameSort.items.map((c) => c.name);
    assert.deepEqual(names, [...names].sort().reverse());

    assertError(
      await f.t.request('GET', '/api/containers?status=purple', { as: f.viewer }),
      400,
      'validation_failed',
    );
    assertError(
      await f.t.request('GET', '/api/containers?sort=evil', { as: f.viewer }),
      400,
      'validation_failed',
    );
    assertError(
      await f.t.request('GET', '/api/containers?bogus=1', { as: f.viewer }),
      400,
      'validation_failed',
    );
    assertError(await f.t.request('GET', '/api/containers', { as: null }), 401, 'unauthenticated');
  });

  it('detail masks secret env for every role, by name, id and id prefix', async () => {
    for (const ref of [N.green, ids.green!, ids.green!.slice(0, 12)]) {
      for (const as of [f.viewer, f.operator, f.admin]) {
        const res = await f.t.request('GET', `/api/containers/${hostId}/${ref}`, { as });
        const d = await json<ContainerDetail>(res);
        assert.equal(d.id, ids.green);
        assert.equal(d.name, N.green);
        assert.ok(!res.body.includes(SECRET), `raw secret in detail (${ref})`);
        const env = Object.fromEntries(d.env.map((e) => [e.name, e]));
        assert.equal(env.API_TOKEN?.masked, true);
        assert.notEqual(env.API_TOKEN?.value, SECRET);
        assert.equal(env.DB_PASSWORD?.masked, true);
        assert.notEqual(env.DB_PASSWORD?.value, 'x');
        assert.deepEqual(env.PLAIN, { name: 'PLAIN', value: 'hello', masked: false });
      }
    }
    const h = await json<ContainerDetail>(
      await f.t.request('GET', `/api/containers/${hostId}/${N.health}`, { as: f.viewer }),
    );
    assert.equal(h.health, 'unhealthy');
    assert.ok(h.healthLog.length > 0, 'health log present');
    assertError(
      await f.t.request('GET', `/api/containers/${hostId}/no-such-container-${RUN}`, { as: f.viewer }),
      404,
      'not_found',
    );
    assertError(
      await f.t.request('GET', `/api/containers/nosuchhost/${N.green}`, { as: f.viewer }),
      404,
      'not_found',
    );
  });

  it('stats: a live one-shot snapshot for a running container', async () => {
    const s = await json<ContainerStats>(
      await f.t.request('GET', `/api/containers/${hostId}/${N.green}/stats`, { as: f.viewer }),
    );
    assert.ok(Number.isFinite(Date.parse(s.at)));
    assert.ok(typeof s.memoryBytes === 'number' && s.memoryBytes > 0, JSON.stringify(s));
    assert.ok(typeof s.pids === 'number' && s.pids >= 1);
  });

  it('a docker stop / start reaches a /api/stream subscriber within 1 s', async () => {
    const ws = await openWs(f, '/api/stream', f.viewer);
    try {
      await ws.waitFrame('hello', (fr) => (fr.json as { type?: string })?.type === 'hello');
      const about = (state: string, from: number) => (fr: WsFrame) => {
        const m = fr.json as Upsertish;
        return (
          fr.at >= from &&
          (m?.type === 'containers.upsert' || m?.type === 'containers.replace') &&
          m.hostId === hostId &&
          !!m.items?.some((i) => i.id === ids.event && i.state === state)
        );
      };
      const measure = async (verb: 'stop' | 'start', state: string) => {
        const t0 = Date.now();
        await dockerCli(verb, N.event);
        const returned = Date.now();
        const fr = await ws.waitFrame(`containers.upsert with ${N.event} ${state}`, about(state, t0), 5000);
        const latency = fr.at - returned;
        const type = (fr.json as Upsertish).type;
        assert.ok(
          latency < 1000,
          `${verb}: update arrived ${latency} ms after the CLI returned (via ${type})`,
        );
        assert.equal(type, 'containers.upsert', `a single-container change should be an upsert, got ${type}`);
        return latency;
      };
      const l1 = await measure('stop', 'exited');
      const l2 = await measure('start', 'running');
      process.stdout.write(`# stream latency after CLI return: stop ${l1} ms, start ${l2} ms\n`);
    } finally {
      await ws.close();
    }
  });

  it('operator actions stop, start, restart, pause, unpause change the engine state and are audited', async () => {
    const expect: Record<string, string> = {
      stop: 'exited',
      start: 'running',
      restart: 'running',
      pause: 'paused',
      unpause: 'running',
    };
    for (const verb of ['stop', 'start', 'restart', 'pause', 'unpause']) {
      const before = await inspectState(N.act);
      const startedBefore = (await dockerCli('inspect', '--format', '{{.State.StartedAt}}', N.act)).trim();
      const res = await f.t.request('POST', `/api/containers/${hostId}/${N.act}/actions/${verb}`, {
        as: f.operator,
        body: {},
      });
      const body = await json<ActionResponse>(res);
      assert.equal(body.verb, verb);
      assert.equal(body.changed, true, `${verb} changed`);
      const state = await inspectState(N.act);
      assert.equal(state.Status, expect[verb], `${verb}: docker says ${state.Status} (was ${before.Status})`);
      assert.equal(body.container?.state, expect[verb], `${verb}: the answer's container state`);
      if (verb === 'restart') {
        const startedAfter = (await dockerCli('inspect', '--format', '{{.State.StartedAt}}', N.act)).trim();
        assert.notEqual(startedAfter, startedBefore, 'restart restarted');
      }
      const ev = (await auditEvents(f, `container.${verb}`)).find((e) => e.action === `container.${verb}`);
      assert.ok(ev, `container.${verb} audited`);
      assert.equal(ev.actorName, 'olga');
      assert.equal(ev.target, `${hostLabel}/${N.act}`);
      assert.ok(
        Object.keys(ev.details).length > 0,
        `audit details carry the result: ${JSON.stringify(ev.details)}`,
      );
    }
    // Same verb again: Docker's 304 → changed false, still 200.
    const again = await json<ActionResponse>(
      await f.t.request('POST', `/api/containers/${hostId}/${N.act}/actions/start`, {
        as: f.operator,
        body: {},
      }),
    );
    assert.equal(again.changed, false);
    // A viewer may not act; nothing changes.
    assertError(
      await f.t.request('POST', `/api/containers/${hostId}/${N.act}/actions/stop`, {
        as: f.viewer,
        body: {},
      }),
      403,
      'forbidden',
    );
    assert.equal((await inspectState(N.act)).Status, 'running');
    // Unknown container on a known host.
    assertError(
      await f.t.request('POST', `/api/containers/${hostId}/nosuch-${RUN}/actions/stop`, {
        as: f.operator,
        body: {},
      }),
      404,
      'not_found',
    );
  });

  it('remove: operator 403, locked admin 403 unlock_required, wrong confirm 400; right confirm removes and is audited', async () => {
    const url = `/api/containers/${hostId}/${N.rmExited}/actions/remove`;
    assertError(
      await f.t.request('POST', url, { as: f.operator, body: { confirm: N.rmExited } }),
      403,
      'forbidden',
    );
    assertError(
      await f.t.request('POST', url, { as: f.adminLocked, body: { confirm: N.rmExited } }),
      403,
      'unlock_required',
    );
    assert.equal(await containerGone(N.rmExited), false, 'still there after refusals');
    const wrong = assertError(
      await f.t.request('POST', url, { as: f.admin, body: { confirm: 'not-the-name' } }),
      400,
    );
    assert.ok(wrong.message.length > 0);
    assertError(await f.t.request('POST', url, { as: f.admin, body: {} }), 400);
    assertError(await f.t.request('POST', url, { as: f.admin, body: { confirm: ids.rmExited } }), 400);
    assert.equal(await containerGone(N.rmExited), false, 'still there after wrong confirms');

    const ok = await json<ActionResponse>(
      await f.t.request('POST', url, { as: f.admin, body: { confirm: N.rmExited } }),
    );
    assert.equal(ok.verb, 'remove');
    assert.equal(ok.container, null);
    assert.equal(await containerGone(N.rmExited), true);
    const ev = (await auditEvents(f, 'container.remove')).find(
      (e) => e.target === `${hostLabel}/${N.rmExited}`,
    );
    assert.ok(ev, 'container.remove audited');
    assert.equal(ev.actorName, 'admin');
    await waitFor(
      'removed container leaves the list',
      async () => {
        const l = await listContainers(f, `?q=${N.rmExited}`);
        return l.items.length === 0;
      },
      { timeoutMs: 3000 },
    );
  });

  it('remove never forces: a running container is refused with 409 telling to stop it first, and stays', async () => {
    const url = `/api/containers/${hostId}/${N.rmRunning}/actions/remove`;
    const res = await f.t.request('POST', url, { as: f.admin, body: { confirm: N.rmRunning } });
    const e = assertError(res, 409, 'conflict');
    assert.match(e.message, /stop/i, 'says to stop it first');
    assert.equal((await inspectState(N.rmRunning)).Status, 'running');
  });

  it('logs WS: tail returns recent lines with stderr tagged, follow gets new lines', async () => {
    await waitFor('logs container ticking', async () =>
      (await dockerCli('logs', '--tail', '2', N.logs)).includes('tick'),
    );
    const base = `/api/containers/${hostId}/${N.logs}/logs`;

    const tail = await openWs(f, `${base}?tail=200&follow=0`, f.viewer);
    const end = await tail.waitFrame('end', (fr) => (fr.json as LogsServerMessage)?.type === 'end');
    const lines: LogLine[] = tail
      .messages()
      .filter((m): m is { type: 'lines'; lines: LogLine[] } => (m as LogsServerMessage).type === 'lines')
      .flatMap((m) => m.lines);
    assert.ok((end.json as { reason: string }).reason.length > 0);
    const find = (text: string) => lines.find((l) => l.line === text);
    assert.equal(find('out-start')?.stream, 'stdout', JSON.stringify(lines.slice(0, 6)));
    assert.equal(find('err-start')?.stream, 'stderr');
    assert.ok(lines.filter((l) => /^errtick\d+$/.test(l.line)).every((l) => l.stream === 'stderr'));
    assert.ok(lines.filter((l) => /^tick\d+$/.test(l.line)).every((l) => l.stream === 'stdout'));
    assert.ok(
      lines.every((l) => l.ts !== null && Number.isFinite(Date.parse(l.ts))),
      'timestamps by default',
    );
    await tail.closed;

    const small = await openWs(f, `${base}?tail=4&follow=0&timestamps=0`, f.viewer);
    await small.waitFrame('end', (fr) => (fr.json as LogsServerMessage)?.type === 'end');
    const smallLines = small
      .messages()
      .filter((m): m is { type: 'lines'; lines: LogLine[] } => (m as LogsServerMessage).type === 'lines')
      .flatMap((m) => m.lines);
    assert.ok(smallLines.length > 0 && smallLines.length <= 4, `tail=4 gave ${smallLines.length}`);
    assert.ok(smallLines.every((l) => l.ts === null));
    await small.close();

    const tickNo = (l: LogLine) => Number(/^tick(\d+)$/.exec(l.line)?.[1] ?? -1);
    const lastSeen = Math.max(...lines.map(tickNo));
    const follow = await openWs(f, `${base}?tail=0&follow=1`, f.viewer);
    await follow.waitFrame('a new line', (fr) => {
      const m = fr.json as LogsServerMessage;
      return m?.type === 'lines' && m.lines.some((l) => tickNo(l) > lastSeen);
    });
    await follow.waitFrame('a new stderr line', (fr) => {
      const m = fr.json as LogsServerMessage;
      return m?.type === 'lines' && m.lines.some((l) => /^errtick\d+$/.test(l.line) && l.stream === 'stderr');
    });
    await follow.close();
  });

  it('logs WS: closing the socket closes the engine log stream (no leaked docker connection)', async () => {
    const base = `/api/containers/${hostId}/${N.logs}/logs`;
    // In-use connections to the Docker socket (the events stream, and any call in flight).
    // Baseline = the fewest seen over a heartbeat period.
    const sample = async (ms: number) => {
      const sizes: number[] = [];
      const end = Date.now() + ms;
      while (Date.now() < end) {
        sizes.push(dockerSocketsInUse());
        await new Promise((r) => setTimeout(r, 50));
      }
      return sizes;
    };
    const baseline = Math.min(...(await sample(2500)));
    const totalBefore = dockerConnections().size;
    const follow = await openWs(f, `${base}?tail=0&follow=1`, f.viewer);
    await follow.waitFrame('a line', (fr) => (fr.json as LogsServerMessage)?.type === 'lines');
    const during = Math.min(...(await sample(1500)));
    assert.equal(
      during,
      baseline + 1,
      `the follow holds one connection (baseline ${baseline}, during ${during})`,
    );
    const totalDuring = dockerConnections().size;
    const t0 = Date.now();
    await follow.close();
    await waitFor(
      'the follow’s docker connection released',
      () => Promise.resolve(dockerSocketsInUse() <= baseline),
      {
        timeoutMs: 6000,
        intervalMs: 20,
      },
    );
    const took = Date.now() - t0;
    // And at the OS level the socket is really closed (not parked in a pool).
    await waitFor(
      'fewer OS-level docker connections than during the follow',
      () => Promise.resolve(dockerConnections().size < totalDuring),
      {
        timeoutMs: 2000,
        intervalMs: 50,
      },
    );
    process.stdout.write(
      `# docker connections in use: baseline ${baseline}, during follow ${during}; released ${took} ms after the WS closed (OS-level ${totalBefore} → ${totalDuring} → ${dockerConnections().size})\n`,
    );
    assert.ok(took < 2000, `the log stream closed ${took} ms after the WS`);
  });

  it('logs download: text/plain attachment, "<ts> <stream> <line>" per line', async () => {
    const res = await f.t.request('GET', `/api/containers/${hostId}/${N.logs}/logs/download?tail=20`, {
      as: f.viewer,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(String(res.headers['content-disposition']), /attachment/);
    const lines = res.body.trim().split('\n');
    assert.ok(lines.length > 0 && lines.length <= 20, `${lines.length} lines`);
    for (const l of lines) assert.match(l, /^\S+ (stdout|stderr) .*$/);
    assert.ok(lines.some((l) => / stderr errtick\d+$/.test(l)));
  });

  it('exec WS: operator+unlock gets a shell; bytes both ways, resize; start and end audited', async () => {
    const url = `/api/containers/${hostId}/${N.green}/exec?cols=80&rows=24`;
    const ws = await openWs(f, url, f.operator);
    try {
      const ready = await ws.waitFrame('ready', (fr) => (fr.json as { type?: string })?.type === 'ready');
      assert.ok((ready.json as { shell: string }).shell.length > 0);
      ws.ws.send(Buffer.from('echo hi-$((1+1))\n'), { binary: true });
      await waitFor('hi-2 in the terminal output', () => Promise.resolve(ws.binaryText().includes('hi-2')), {
        timeoutMs: 5000,
        intervalMs: 50,
      });
      ws.ws.send(JSON.stringify({ type: 'resize', cols: 101, rows: 33 }));
      await new Promise((r) => setTimeout(r, 200));
      ws.ws.send(Buffer.from('stty size\n'), { binary: true });
      await waitFor('stty size 33 101', () => Promise.resolve(ws.binaryText().includes('33 101')), {
        timeoutMs: 5000,
        intervalMs: 50,
      });
      ws.ws.send(Buffer.from('exit 0\n'), { binary: true });
      const exit = await ws.waitFrame('exit', (fr) => (fr.json as { type?: string })?.type === 'exit', 5000);
      assert.equal((exit.json as { code: number | null }).code, 0);
      await Promise.race([
        ws.closed,
        new Promise((_, rej) =>
          setTimeout(() => rej(new Error('server did not close the exec socket after exit')), 3000),
        ),
      ]);
    } finally {
      await ws.close();
    }
    const start = (await auditEvents(f, 'container.exec.start')).find(
      (e) => e.target === `${hostLabel}/${N.green}`,
    );
    assert.ok(start, 'container.exec.start audited');
    assert.equal(start.actorName, 'olga');
    const end = await waitFor(
      'container.exec.end audited',
      async () =>
        (await auditEvents(f, 'container.exec.end')).find((e) => e.target === `${hostLabel}/${N.green}`),
      { timeoutMs: 3000 },
    );
    assert.equal(end.actorName, 'olga');
  });

  it('exec WS: closing the socket ends the shell and what it started, HUP then KILL, and the audit says so', async () => {
    // The processes this shell starts, told apart from everything else in the container by argv.
    // (sleep takes a number, so the marks are digits unique to this run.)
    const stem = String(parseInt(RUN, 16) % 1_000_000);
    const marks = ['1001', '1002', '1003'].map((n) => `${stem}${n}`);
    const sleepers = async () => {
      const top = await dockerCli('top', N.green, '-eo', 'pid,args');
      return marks.filter((m) => top.includes(`sleep ${m}`));
    };
    const auditBefore = (await auditEvents(f, 'container.exec.end')).length;
    const ws = await openWs(f, `/api/containers/${hostId}/${N.green}/exec?cols=80&rows=24`, f.operator);
    await ws.waitFrame('ready', (fr) => (fr.json as { type?: string })?.type === 'ready');
    // A background job, one that ignores SIGHUP (so only SIGKILL ends it), and a foreground one.
    ws.ws.send(
      Buffer.from(`sleep ${marks[0]} & (trap '' HUP; exec sleep ${marks[1]}) & sleep ${marks[2]}\n`),
      { binary: true },
    );
    await waitFor(
      'three sleepers running',
      async () => ((await sleepers()).length === 3 ? true : undefined),
      {
        timeoutMs: 5000,
        intervalMs: 100,
      },
    );
    // The browser tab closes: the client just goes away.
    await ws.close();
    await waitFor(
      'no sleeper left in the container',
      async () => ((await sleepers()).length === 0 ? true : undefined),
      { timeoutMs: 8000, intervalMs: 200 },
    );
    const end = await waitFor(
      'container.exec.end audited',
      async () => {
        const all = await auditEvents(f, 'container.exec.end');
        return all.length > auditBefore ? all[0] : undefined;
      },
      { timeoutMs: 5000 },
    );
    const details = end.details as { ended?: unknown; signal?: unknown };
    assert.equal(details.ended, true, JSON.stringify(end.details));
    assert.equal(details.signal, 'KILL', 'the HUP-immune sleeper needed SIGKILL');
  });

  it('exec WS: refused without unlock, for viewers, and cross-site', async () => {
    const url = `/api/containers/${hostId}/${N.green}/exec`;
    const auditBefore = (await auditEvents(f, 'container.exec')).length;
    const locked = await wsRefused(f, url, f.operatorLocked);
    assert.equal(locked.status, 403, locked.body);
    assert.match(locked.body, /unlock_required/);
    const viewer = await wsRefused(f, url, f.viewer);
    assert.equal(viewer.status, 403, viewer.body);
    const anon = await wsRefused(f, url, null);
    assert.equal(anon.status, 401, anon.body);
    const xsite = await wsRefused(f, url, f.operator, { origin: 'http://evil.example' });
    assert.equal(xsite.status, 403, xsite.body);
    assert.match(xsite.body, /csrf_failed/);
    assert.equal((await auditEvents(f, 'container.exec')).length, auditBefore, 'refusals started no exec');
    // The same guard answers plain HTTP requests (no upgrade) too.
    assertError(await f.t.request('GET', url, { as: f.operatorLocked }), 403, 'unlock_required');
  });

  it('logs WS: viewers yes, anonymous and cross-site no', async () => {
    const url = `/api/containers/${hostId}/${N.logs}/logs?follow=0&tail=1`;
    assert.equal((await wsRefused(f, url, null)).status, 401);
    assert.equal((await wsRefused(f, url, f.viewer, { origin: 'http://evil.example' })).status, 403);
    assertWsDenied(
      await wsOutcome(f, `/api/containers/${hostId}/${N.logs}/logs?tail=-1`, f.viewer),
      'tail=-1',
      [400],
    );
  });

  // A container's env is untrusted: a long value must not pin the event loop while it is masked.
  it('detail of a container with a 100 KiB env value answers within 1 s', async () => {
    // Created here and removed at once: every app watching this engine inspects it.
    ids.bigEnv = await runContainer(
      N.bigEnv,
      ['-e', `BLOB=${'b'.repeat(100 * 1024)}`, '-e', 'PLAIN=hello'],
      ['sleep', 'infinity'],
    );
    try {
      await waitContainer(f, 'big-env container listed', (c) => c.name === N.bigEnv, {
        query: `?q=${N.bigEnv}`,
      });
      const t0 = Date.now();
      const res = await f.t.request('GET', `/api/containers/${hostId}/${N.bigEnv}`, { as: f.viewer });
      const took = Date.now() - t0;
      process.stdout.write(`# detail with a 100 KiB env value: ${took} ms\n`);
      assert.equal(res.statusCode, 200, res.body.slice(0, 300));
      assert.ok(took < 1000, `GET detail took ${took} ms (the event loop was blocked that long)`);
    } finally {
      await removeContainers([N.bigEnv]);
    }
  });
});
