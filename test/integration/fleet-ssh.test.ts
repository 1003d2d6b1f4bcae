// Fleet (issue 3) over SSH: a real OpenSSH (own config, throwaway keys, 127.0.0.1) in front of the
// real local dockerd. First-use fingerprint surfaced and confirmed by an admin, containers, events,
// logs, actions and exec through the tunnel, a wrong pin refused, and sshd dying mid-watch noticed
// within 10 s while the rest of the fleet keeps answering. Never skipped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ActionResponse, LogLine, LogsServerMessage } from '@airlock/contract/fleet';
import type { Host } from '@airlock/contract/hosts';
import { assertError } from '../support/app';
import { ensureBaseImage, removeContainers, waitFor } from '../support/docker';
import { ensureSshdImage, startPasswordSshd, startSshd, type TestSshd } from '../support/sshd';
import {
  auditEvents,
  createHost,
  dockerCli,
  getHost,
  json,
  listContainers,
  openWs,
  runContainer,
  startFleetApp,
  waitContainer,
  waitHostState,
  type FleetApp,
  type WsFrame,
} from '../support/fleet';

const RUN = randomBytes(4).toString('hex');
const NAME = `airlock-test-${RUN}-ssh`;
const WRONG_FP = `SHA256:${'A'.repeat(43)}`;

describe('fleet: an SSH host against a real sshd and the real dockerd', () => {
  let f: FleetApp;
  let sshd: TestSshd;
  const daemons: TestSshd[] = [];
  let localId = '';
  let sshId = '';
  const sshLabel = `ssh-${RUN}`;
  let cid = '';

  before(async () => {
    await ensureBaseImage();
    sshd = await startSshd();
    daemons.push(sshd);
    cid = await runContainer(
      NAME,
      [],
      ['sh', '-c', 'echo hello-over-ssh; echo oops-over-ssh >&2; exec sleep infinity'],
    );
    f = await startFleetApp();
    localId = (await createHost(f, { kind: 'local', label: `local-${RUN}` })).host.id;
    await waitHostState(f, localId, (h) => h.status.state === 'connected', 'local host connected');
  });

  after(async () => {
    await removeContainers([NAME]);
    await f?.close();
    await Promise.all(daemons.map((d) => d.stop()));
  });

  it('with no pinned key: unreachable, the presented fingerprint surfaced; wrong confirm 409, right confirm connects', async () => {
    const created = await createHost(f, {
      kind: 'ssh',
      label: sshLabel,
      host: '127.0.0.1',
      port: sshd.port,
      username: 'root',
      privateKey: sshd.userPrivateKey,
    });
    sshId = created.host.id;
    assert.equal(created.host.ssh?.hostKeyFingerprint, null);
    const h = await waitHostState(
      f,
      sshId,
      (x) => x.status.state === 'unreachable' && x.ssh?.presentedFingerprint === sshd.hostKeyFingerprint,
      'unreachable with the presented fingerprint',
    );
    assert.match(h.status.reason, /not confirmed/i);
    assert.ok(
      h.status.reason.includes(sshd.hostKeyFingerprint),
      `reason names the fingerprint: ${h.status.reason}`,
    );
    // Not trusted: nothing listed for it.
    assert.equal((await listContainers(f, `?host=${sshId}`)).items.length, 0);

    const url = `/api/hosts/${sshId}/confirm-host-key`;
    const wrong = assertError(
      await f.t.request('POST', url, { as: f.admin, body: { fingerprint: WRONG_FP } }),
      409,
    );
    assert.ok(wrong.message.length > 0);
    assertError(
      await f.t.request('POST', url, { as: f.operator, body: { fingerprint: sshd.hostKeyFingerprint } }),
      403,
      'forbidden',
    );
    assertError(
      await f.t.request('POST', url, { as: f.adminLocked, body: { fingerprint: sshd.hostKeyFingerprint } }),
      403,
      'unlock_required',
    );
    assertError(
      await f.t.request('POST', url, { as: f.admin, body: { fingerprint: 'SHA256:short' } }),
      400,
      'validation_failed',
    );
    assert.equal((await getHost(f, sshId)).ssh?.hostKeyFingerprint, null, 'refusals pinned nothing');

    const confirmed = await json<Host>(
      await f.t.request('POST', url, { as: f.admin, body: { fingerprint: sshd.hostKeyFingerprint } }),
    );
    assert.equal(confirmed.ssh?.hostKeyFingerprint, sshd.hostKeyFingerprint);
    const ok = await waitHostState(
      f,
      sshId,
      (x) => x.status.state === 'connected',
      'ssh host connected after confirm',
    );
    assert.equal(ok.status.reason, '');
    assert.ok(
      (await auditEvents(f, 'host.')).some((e) => /confirm|host_key|hostkey/i.test(e.action)),
      'confirmation audited',
    );
  });

  it('lists the engine’s containers under the SSH host id', async () => {
    assert.ok(sshId, 'previous test created the host');
    const c = await waitContainer(
      f,
      'container listed on the ssh host',
      (x) => x.id === cid && x.hostId === sshId,
      {
        query: `?host=${sshId}`,
      },
    );
    assert.equal(c.name, NAME);
    assert.equal(c.state, 'running');
    // The same engine is also the local host: the same container under both host ids.
    const both = await listContainers(f, `?q=${NAME}`);
    assert.deepEqual(both.items.map((x) => x.hostId).sort(), [localId, sshId].sort());
    assert.ok((await getHost(f, sshId)).containerCount >= 1);
  });

  it('an event on the SSH host reaches /api/stream within 1 s', async () => {
    const ws = await openWs(f, '/api/stream', f.viewer);
    try {
      await ws.waitFrame('hello', (fr) => (fr.json as { type?: string })?.type === 'hello');
      const about = (state: string, from: number) => (fr: WsFrame) => {
        const m = fr.json as { type?: string; hostId?: string; items?: { id: string; state: string }[] };
        return (
          fr.at >= from &&
          (m?.type === 'containers.upsert' || m?.type === 'containers.replace') &&
          m.hostId === sshId &&
          !!m.items?.some((i) => i.id === cid && i.state === state)
        );
      };
      for (const [verb, state] of [
        ['stop', 'exited'],
        ['start', 'running'],
      ] as const) {
        const t0 = Date.now();
        await dockerCli(verb, NAME);
        const returned = Date.now();
        const fr = await ws.waitFrame(`upsert of ${NAME} ${state} on the ssh host`, about(state, t0), 5000);
        const latency = fr.at - returned;
        process.stdout.write(`# ssh host: ${verb} reached the stream ${latency} ms after the CLI returned\n`);
        assert.ok(latency < 1000, `${verb}: ${latency} ms`);
      }
    } finally {
      await ws.close();
    }
  });

  it('logs over SSH: tail with stdout and stderr', async () => {
    const ws = await openWs(f, `/api/containers/${sshId}/${NAME}/logs?tail=50&follow=0`, f.viewer);
    await ws.waitFrame('end', (fr) => (fr.json as LogsServerMessage)?.type === 'end');
    const lines = ws
      .messages()
      .filter((m): m is { type: 'lines'; lines: LogLine[] } => (m as LogsServerMessage).type === 'lines')
      .flatMap((m) => m.lines);
    assert.equal(lines.find((l) => l.line === 'hello-over-ssh')?.stream, 'stdout', JSON.stringify(lines));
    assert.equal(lines.find((l) => l.line === 'oops-over-ssh')?.stream, 'stderr');
    await ws.close();
  });

  it('an action over SSH: restart as operator, audited with the SSH host’s label', async () => {
    const before = (await dockerCli('inspect', '--format', '{{.State.StartedAt}}', NAME)).trim();
    const r = await json<ActionResponse>(
      await f.t.request('POST', `/api/containers/${sshId}/${NAME}/actions/restart`, {
        as: f.operator,
        body: {},
      }),
    );
    assert.equal(r.verb, 'restart');
    assert.equal(r.container?.hostId, sshId);
    const afterStart = (await dockerCli('inspect', '--format', '{{.State.StartedAt}}', NAME)).trim();
    assert.notEqual(afterStart, before);
    const ev = (await auditEvents(f, 'container.restart')).find((e) => e.target === `${sshLabel}/${NAME}`);
    assert.ok(ev, 'audited with target <sshLabel>/<name>');
    assert.equal(ev.actorName, 'olga');
  });

  it('exec over SSH (operator + unlock)', async () => {
    const ws = await openWs(f, `/api/containers/${sshId}/${NAME}/exec`, f.operator);
    try {
      await ws.waitFrame('ready', (fr) => (fr.json as { type?: string })?.type === 'ready');
      ws.ws.send(Buffer.from('echo ssh-$((20+22))\n'), { binary: true });
      await waitFor('ssh-42', () => Promise.resolve(ws.binaryText().includes('ssh-42')), {
        timeoutMs: 8000,
        intervalMs: 50,
      });
      ws.ws.send(Buffer.from('exit\n'), { binary: true });
      await ws.waitFrame('exit', (fr) => (fr.json as { type?: string })?.type === 'exit', 5000);
    } finally {
      await ws.close();
    }
  });

  it('operator reconnect drops and reconnects the SSH host at once', async () => {
    const before = await getHost(f, sshId);
    const res = await f.t.request('POST', `/api/hosts/${sshId}/reconnect`, { as: f.operator, body: {} });
    assert.equal(res.statusCode, 200, res.body);
    assertError(
      await f.t.request('POST', `/api/hosts/${sshId}/reconnect`, { as: f.viewer, body: {} }),
      403,
      'forbidden',
    );
    // A new connection: connected again with a later `since`, not the old connection still standing.
    await waitHostState(
      f,
      sshId,
      (h) => h.status.state === 'connected' && Date.parse(h.status.since) > Date.parse(before.status.since),
      'connected again after reconnect',
    );
    await waitContainer(f, 'listed again', (x) => x.id === cid, { query: `?host=${sshId}` });
  });

  it('a host pinned to the wrong fingerprint is refused: unreachable, reason says mismatch, presents the real key', async () => {
    const created = await createHost(f, {
      kind: 'ssh',
      label: `ssh-wrongpin-${RUN}`,
      host: '127.0.0.1',
      port: sshd.port,
      username: 'root',
      privateKey: sshd.userPrivateKey,
      hostKeyFingerprint: WRONG_FP,
    });
    const h = await waitHostState(
      f,
      created.host.id,
      (x) => x.status.state === 'unreachable',
      'wrong pin unreachable',
    );
    assert.match(h.status.reason, /mismatch/i);
    assert.equal(h.ssh?.hostKeyFingerprint, WRONG_FP, 'the pin is not replaced silently');
    assert.equal(
      (await listContainers(f, `?host=${created.host.id}`)).items.length,
      0,
      'nothing trusted from it',
    );
    // The reason tells the admin to "confirm the new fingerprint": that needs it surfaced here.
    assert.equal(
      h.ssh?.presentedFingerprint,
      sshd.hostKeyFingerprint,
      'the presented key is surfaced on a mismatch too',
    );
    const confirmed = await json<Host>(
      await f.t.request('POST', `/api/hosts/${created.host.id}/confirm-host-key`, {
        as: f.admin,
        body: { fingerprint: sshd.hostKeyFingerprint },
      }),
    );
    assert.equal(confirmed.ssh?.hostKeyFingerprint, sshd.hostKeyFingerprint);
    await waitHostState(
      f,
      created.host.id,
      (x) => x.status.state === 'connected',
      'connected after confirming the new key',
    );
  });

  it('sshd dying mid-watch: the host goes unreachable within 10 s; the list keeps answering fast with the local host', async () => {
    const doomed = await startSshd();
    daemons.push(doomed);
    const created = await createHost(f, {
      kind: 'ssh',
      label: `ssh-doomed-${RUN}`,
      host: '127.0.0.1',
      port: doomed.port,
      username: 'root',
      privateKey: doomed.userPrivateKey,
      hostKeyFingerprint: doomed.hostKeyFingerprint,
    });
    const id = created.host.id;
    await waitHostState(f, id, (h) => h.status.state === 'connected', 'doomed host connected');
    await waitContainer(f, 'listed on the doomed host', (x) => x.id === cid, { query: `?host=${id}` });

    const t0 = Date.now();
    await doomed.kill();
    let slowest = 0;
    const h = await waitFor(
      'doomed host unreachable',
      async () => {
        const t = Date.now();
        const list = await listContainers(f, `?q=${NAME}`);
        const took = Date.now() - t;
        slowest = Math.max(slowest, took);
        assert.ok(
          list.items.some((c) => c.hostId === localId && c.id === cid),
          'local host still listed',
        );
        const host = await getHost(f, id);
        return host.status.state === 'unreachable' ? host : false;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const elapsed = Date.now() - t0;
    process.stdout.write(
      `# sshd killed: unreachable after ${elapsed} ms; slowest list ${slowest} ms; reason: ${h.status.reason}\n`,
    );
    assert.ok(elapsed < 10_000, `unreachable after ${elapsed} ms`);
    assert.ok(slowest < 500, `GET /api/containers took up to ${slowest} ms while the host was dying`);
    assert.ok(h.status.reason.length > 0, 'a reason');
    // Other hosts unaffected.
    for (const other of [localId, sshId]) {
      const o = await getHost(f, other);
      assert.equal(
        o.status.state,
        'connected',
        `${o.label}: ${o.status.state} since ${o.status.since}: ${o.status.reason}`,
      );
    }
    // Actions on the dead host fail as an upstream error naming it, fast.
    const t1 = Date.now();
    const res = await f.t.request('POST', `/api/containers/${id}/${NAME}/actions/restart`, {
      as: f.operator,
      body: {},
    });
    assert.ok(
      [502, 503, 504, 409].includes(res.statusCode),
      `action on a dead host: ${res.statusCode} ${res.body}`,
    );
    assert.ok(Date.now() - t1 < 15_000);
  });

  it('password auth against a real sshd (in a container this test made): lists; a changed password is tried at once, a wrong one refused as such', async () => {
    await ensureSshdImage();
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const box = await startPasswordSshd(`airlock-test-${RUN}-sshpw`, password);
    try {
      const created = await createHost(f, {
        kind: 'ssh',
        label: `ssh-pw-${RUN}`,
        host: '127.0.0.1',
        port: box.port,
        username: 'root',
        password,
        hostKeyFingerprint: box.hostKeyFingerprint,
      });
      assert.equal(created.host.ssh?.auth, 'password');
      const id = created.host.id;
      await waitHostState(f, id, (h) => h.status.state === 'connected', 'password host connected');
      // The same dockerd through the container's sshd: the test container is listed under it.
      await waitContainer(f, 'listed on the password host', (x) => x.id === cid, { query: `?host=${id}` });

      await json<Host>(
        await f.t.request('PATCH', `/api/hosts/${id}`, { as: f.admin, body: { password: `${password}x` } }),
      );
      const refused = await waitHostState(
        f,
        id,
        (h) => h.status.state === 'unreachable' && /authentication failed/i.test(h.status.reason),
        'unreachable: authentication failed',
      );
      assert.ok(!refused.status.reason.includes(password), 'the reason never carries the password');
      // And back: the right password is tried at once too (a credentials edit reconnects).
      await json<Host>(await f.t.request('PATCH', `/api/hosts/${id}`, { as: f.admin, body: { password } }));
      await waitHostState(f, id, (h) => h.status.state === 'connected', 'connected again');
    } finally {
      await box.stop();
    }
  });
});
