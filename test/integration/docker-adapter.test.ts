import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import {
  ContainerDetail,
  ContainerEvent,
  ContainerRef,
  ContainerSummary,
  type LogLine,
} from '@airlock/contract/fleet';
import { DockerEngine } from '../../apps/server/src/adapters/docker.adapter';
import { describeContainer } from '../../apps/server/src/modules/fleet/inspect';
import { UpstreamError, UserError } from '../../apps/server/src/lib/errors';
import { MASK } from '../../apps/server/src/modules/fleet/mask';
import {
  BASE_IMAGE,
  DOCKER_SOCKET,
  ensureBaseImage,
  removeContainers,
  requireDocker,
  testName,
  waitFor,
} from '../support/docker';

// Real dockerd, real containers made from the local base image (no registry). Never skipped.

const docker = new Docker({ socketPath: DOCKER_SOCKET });
const engine = new DockerEngine({
  describe: describeContainer,
  hostId: 'local-test',
  socketPath: DOCKER_SOCKET,
});
const created: string[] = [];

const names = {
  unhealthy: testName('unhealthy'),
  exit3: testName('exit3'),
  loop: testName('loop'),
  healthy: testName('healthy'),
  logs: testName('logs'),
  tty: testName('tty'),
  removable: testName('removable'),
};

async function make(name: string, opts: Omit<Docker.ContainerCreateOptions, 'name' | 'Image'>, start = true) {
  created.push(name);
  const c = await docker.createContainer({
    name,
    Image: BASE_IMAGE,
    StopTimeout: 1,
    Labels: { 'airlock.test': 'docker-adapter' },
    ...opts,
    HostConfig: { NetworkMode: 'none', ...opts.HostConfig },
  });
  if (start) await c.start();
  return c;
}

const findIn = async (name: string): Promise<ContainerSummary | undefined> =>
  (await engine.list()).find((c) => c.name === name);

async function collect<T>(it: AsyncIterable<T>, into: T[]): Promise<void> {
  for await (const x of it) into.push(x);
}

/** Resolves with the iterator's end, or fails if it does not end within `ms`. */
async function endsWithin(p: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms of abort`)), ms);
    }),
  ]);
  clearTimeout(timer);
}

before(async () => {
  await requireDocker();
  await ensureBaseImage();
  await Promise.all([
    make(names.unhealthy, {
      Cmd: ['sleep', 'infinity'],
      Healthcheck: { Test: ['CMD', 'false'], Interval: 1e9, Timeout: 1e9, Retries: 1, StartPeriod: 0 },
    }),
    make(names.exit3, { Cmd: ['sh', '-c', 'exit 3'] }),
    make(names.loop, { Cmd: ['sh', '-c', 'exit 1'], HostConfig: { RestartPolicy: { Name: 'always' } } }),
    make(names.healthy, {
      Cmd: ['sleep', 'infinity'],
      Env: ['API_TOKEN=abc123', 'PLAIN=visible', `INNOCENT=ghp_${'a'.repeat(36)}`],
      Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9, Timeout: 1e9, Retries: 1, StartPeriod: 0 },
      HostConfig: { Init: true },
    }),
    make(names.logs, {
      Cmd: [
        'sh',
        '-c',
        'echo out1; echo err1 >&2; echo out2; i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.3; done',
      ],
      HostConfig: { Init: true },
    }),
    make(names.tty, {
      Cmd: ['sh', '-c', 'echo hello-tty; echo second; sleep infinity'],
      Tty: true,
      HostConfig: { Init: true },
    }),
    make(names.removable, { Cmd: ['true'] }, false),
  ]);
});

after(async () => {
  await removeContainers(created);
});

describe('DockerEngine against the real engine', () => {
  it('pings', async () => {
    await engine.ping();
  });

  it('lists containers, each valid against the contract', async () => {
    const all = await engine.list();
    for (const name of Object.values(names)) {
      const c = all.find((x) => x.name === name);
      assert.ok(c, `${name} listed`);
      ContainerSummary.parse(c);
      assert.equal(c.hostId, 'local-test');
      assert.equal(c.labels['airlock.test'], 'docker-adapter');
      assert.equal(c.image, BASE_IMAGE);
    }
  });

  it('(a) a failing healthcheck goes red: unhealthy', async () => {
    const c = await waitFor('unhealthy → red', async () => {
      const s = await findIn(names.unhealthy);
      return s?.status === 'red' ? s : undefined;
    });
    assert.equal(c.health, 'unhealthy');
    assert.equal(c.state, 'running');
    assert.equal(c.statusReason, 'unhealthy');
  });

  it('(b) exit 3 goes red: exited with code 3', async () => {
    const c = await waitFor('exit 3 → exited', async () => {
      const s = await findIn(names.exit3);
      return s?.state === 'exited' ? s : undefined;
    });
    assert.equal(c.status, 'red');
    assert.equal(c.statusReason, 'exited with code 3');
    assert.equal(c.exitCode, 3);
    assert.equal(c.oomKilled, false);
  });

  it('(c) a restart loop goes red with the restart count', async () => {
    const c = await waitFor('restart loop → red', async () => {
      const s = await findIn(names.loop);
      return s?.status === 'red' && s.restartCount >= 1 ? s : undefined;
    });
    assert.match(c.statusReason, /^restart loop \(\d+ restarts?\)/);
  });

  it('(d) a healthy container is green; its env secrets are masked in inspect', async () => {
    const c = await waitFor('healthy → green', async () => {
      const s = await findIn(names.healthy);
      return s?.health === 'healthy' ? s : undefined;
    });
    assert.equal(c.status, 'green');
    assert.equal(c.statusReason, 'healthy');

    const d = ContainerDetail.parse(await engine.inspect(names.healthy));
    assert.equal(d.id, c.id);
    const env = Object.fromEntries(d.env.map((e) => [e.name, e]));
    assert.deepEqual(env.API_TOKEN, { name: 'API_TOKEN', value: MASK, masked: true });
    assert.deepEqual(env.INNOCENT, { name: 'INNOCENT', value: MASK, masked: true });
    assert.deepEqual(env.PLAIN, { name: 'PLAIN', value: 'visible', masked: false });
    assert.ok(!JSON.stringify(d).includes('abc123'), 'the secret value appears nowhere in the detail');
    assert.ok(d.healthLog.length > 0 && d.healthLog.every((l) => l.exitCode === 0));
    assert.deepEqual(d.cmd, ['sleep', 'infinity']);
    assert.equal(d.restartPolicy, 'no');
    // Inspect by id works as well as by name.
    assert.equal((await engine.inspect(c.id)).name, names.healthy);
  });

  it('inspect of the unhealthy container shows the failing health log', async () => {
    const d = await engine.inspect(names.unhealthy);
    assert.equal(d.status, 'red');
    assert.ok(d.healthLog.some((l) => l.exitCode !== 0));
    assert.ok(d.failingStreak >= 1);
  });

  it('actions change state, and the events stream sees them', async () => {
    const ctrl = new AbortController();
    const events: ContainerEvent[] = [];
    const stream = await engine.events(ctrl.signal);
    const done = collect(stream, events);
    const { id } = await engine.inspect(names.healthy);
    const stateOf = async () => (await engine.inspect(names.healthy)).state;
    const sawEvent = (actions: string[]) =>
      waitFor(
        `event ${actions.join('/')}`,
        () => Promise.resolve(events.find((e) => e.id === id && actions.includes(e.action))),
        {
          timeoutMs: 5000,
          intervalMs: 50,
        },
      );

    try {
      assert.deepEqual(await engine.action(names.healthy, 'stop'), { verb: 'stop', changed: true });
      assert.equal(await stateOf(), 'exited');
      const ev = await sawEvent(['die', 'stop']);
      ContainerEvent.parse(ev);
      assert.equal(ev.name, names.healthy);
      assert.ok(Math.abs(ev.time - Date.now()) < 60_000, 'event time is unix ms');
      // Already stopped: Docker says 304, which is success without change.
      assert.deepEqual(await engine.action(names.healthy, 'stop'), { verb: 'stop', changed: false });

      assert.deepEqual(await engine.action(names.healthy, 'start'), { verb: 'start', changed: true });
      assert.equal(await stateOf(), 'running');
      await sawEvent(['start']);
      assert.deepEqual(await engine.action(names.healthy, 'start'), { verb: 'start', changed: false });

      const before = (await engine.inspect(names.healthy)).startedAt;
      assert.deepEqual(await engine.action(names.healthy, 'restart'), { verb: 'restart', changed: true });
      const afterRestart = await engine.inspect(names.healthy);
      assert.equal(afterRestart.state, 'running');
      assert.notEqual(afterRestart.startedAt, before);
      await sawEvent(['restart']);

      await engine.action(names.healthy, 'pause');
      const paused = await engine.inspect(names.healthy);
      assert.equal(paused.state, 'paused');
      assert.equal(
        paused.status,
        'amber',
        `${paused.statusReason} health=${paused.health} ${JSON.stringify(paused.healthLog.slice(-2))}`,
      );
      await sawEvent(['pause']);

      await engine.action(names.healthy, 'unpause');
      assert.equal(await stateOf(), 'running');
      await sawEvent(['unpause']);
    } finally {
      ctrl.abort();
    }
    await endsWithin(done, 2000, 'events iterator');
  });

  it('refuses an action Docker rejects, with its reason (pause a stopped container → 409)', async () => {
    await assert.rejects(engine.action(names.exit3, 'pause'), (err) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.status, 409);
      assert.match(err.message, /not running/i);
      return true;
    });
  });

  it('remove works on a stopped container and is refused (no force) on a running one', async () => {
    await assert.rejects(
      engine.action(names.logs, 'remove'),
      (err) => err instanceof UserError && err.status === 409,
    );
    assert.deepEqual(await engine.action(names.removable, 'remove'), { verb: 'remove', changed: true });
    await assert.rejects(
      engine.inspect(names.removable),
      (err) => err instanceof UserError && err.status === 404,
    );
  });

  it('logs: stdout and stderr are demultiplexed and labelled, with timestamps', async () => {
    await waitFor('log ticks', async () => {
      const lines: LogLine[] = [];
      await collect(await engine.logs(names.logs, { tail: 1000 }), lines);
      return lines.some((l) => l.line === 'tick2');
    });
    const lines: LogLine[] = [];
    await collect(await engine.logs(names.logs, { tail: 1000, timestamps: true }), lines);
    // stdout and stderr are separate pipes, so "err1" may land anywhere; each line keeps its label.
    const label = (text: string) => lines.filter((l) => l.line === text).map((l) => l.stream);
    assert.deepEqual(label('out1'), ['stdout']);
    assert.deepEqual(label('err1'), ['stderr']);
    assert.deepEqual(label('out2'), ['stdout']);
    assert.ok(lines.findIndex((l) => l.line === 'out1') < lines.findIndex((l) => l.line === 'out2'));
    assert.ok(lines.filter((l) => /^tick\d+$/.test(l.line)).length >= 2);
    for (const l of lines)
      assert.ok(l.ts && !Number.isNaN(Date.parse(l.ts)), `timestamp on ${JSON.stringify(l)}`);
    assert.ok(lines.every((l) => l.stream === 'stdout' || l.line === 'err1'));

    const tail2: LogLine[] = [];
    await collect(await engine.logs(names.logs, { tail: 2 }), tail2);
    assert.equal(tail2.length, 2);
    assert.ok(tail2.every((l) => l.ts === null && /^tick\d+$/.test(l.line)));
  });

  it('logs: follow receives new lines, and abort ends the iterator', async () => {
    const ctrl = new AbortController();
    const lines: LogLine[] = [];
    const done = collect(
      await engine.logs(names.logs, { tail: 0, follow: true, signal: ctrl.signal }),
      lines,
    );
    await waitFor('two followed lines', () => Promise.resolve(lines.length >= 2), {
      timeoutMs: 5000,
      intervalMs: 50,
    });
    assert.ok(
      lines.every((l) => l.stream === 'stdout' && /^tick\d+$/.test(l.line)),
      JSON.stringify(lines),
    );
    ctrl.abort();
    await endsWithin(done, 2000, 'logs iterator');
    const n = lines.length;
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(lines.length, n, 'no lines after abort');
  });

  it('logs: a TTY container (no multiplexing) comes through as stdout lines', async () => {
    const lines = await waitFor('tty output', async () => {
      const got: LogLine[] = [];
      await collect(await engine.logs(names.tty, { tail: 100 }), got);
      return got.length >= 2 ? got : undefined;
    });
    assert.deepEqual(lines, [
      { stream: 'stdout', ts: null, line: 'hello-tty' },
      { stream: 'stdout', ts: null, line: 'second' },
    ]);
  });

  it('a consumer that stops early (break) destroys the follow stream', async () => {
    const ctrl = new AbortController();
    let n = 0;
    for await (const _ of await engine.logs(names.logs, { tail: 5, follow: true, signal: ctrl.signal })) {
      if (++n === 2) break;
    }
    assert.equal(n, 2);
    ctrl.abort();
  });

  it('unknown containers are 404 (inspect, action, logs)', async () => {
    const ghost = `airlock-test-${randomBytes(6).toString('hex')}-ghost`;
    const is404 = (err: unknown) => err instanceof UserError && err.status === 404;
    await assert.rejects(engine.inspect(ghost), is404);
    await assert.rejects(engine.action(ghost, 'start'), is404);
    await assert.rejects(engine.logs(ghost, {}), is404);
  });

  it('refs with shell metacharacters or traversal are refused before reaching Docker', async () => {
    const bad = [
      'a;rm -rf /',
      '../x',
      '$(id)',
      '`id`',
      'a b',
      'a|b',
      'x/../y',
      '/etc',
      '.hidden',
      'a..b',
      '-rf',
      '',
      'a'.repeat(129),
      'a\nb',
    ];
    for (const ref of bad) {
      assert.equal(ContainerRef.safeParse(ref).success, false, JSON.stringify(ref));
      await assert.rejects(
        engine.inspect(ref),
        (err) => err instanceof UserError && err.status === 400,
        JSON.stringify(ref),
      );
      await assert.rejects(
        engine.action(ref, 'stop'),
        (err) => err instanceof UserError && err.status === 400,
      );
      await assert.rejects(engine.logs(ref), (err) => err instanceof UserError && err.status === 400);
    }
    for (const ok of ['web', 'my_app.1', 'a-b', 'f'.repeat(64), 'A1'])
      assert.ok(ContainerRef.safeParse(ok).success, ok);
  });

  it('an unreachable socket is an UpstreamError, quickly', async () => {
    const dead = new DockerEngine({
      describe: describeContainer,
      hostId: 'nowhere',
      socketPath: `/tmp/nonexistent-${randomBytes(4).toString('hex')}.sock`,
    });
    const t0 = Date.now();
    for (const call of [
      () => dead.ping(),
      () => dead.list(),
      () => dead.events(new AbortController().signal),
    ]) {
      await assert.rejects(call(), (err) => {
        assert.ok(err instanceof UpstreamError, String(err));
        assert.equal(err.upstream, 'docker@nowhere');
        assert.equal(err.status, 502);
        assert.match(err.message, /not reachable/);
        return true;
      });
    }
    assert.ok(Date.now() - t0 < 2000, 'fails fast');
  });

  it('a call that does not answer in time is a 504 UpstreamError', async () => {
    // A socket that accepts and never answers: the engine hangs.
    const net = await import('node:net');
    const os = await import('node:os');
    const path = await import('node:path');
    const sock = path.join(os.tmpdir(), `airlock-test-${randomBytes(4).toString('hex')}.sock`);
    const server = net.createServer(() => undefined);
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const slow = new DockerEngine({
        describe: describeContainer,
        hostId: 'slow',
        socketPath: sock,
        timeoutMs: 300,
      });
      const t0 = Date.now();
      await assert.rejects(
        slow.ping(),
        (err) => err instanceof UpstreamError && err.status === 504 && /within 0.3 s/.test(err.message),
      );
      assert.ok(Date.now() - t0 < 1500);
    } finally {
      server.close();
    }
  });
});
