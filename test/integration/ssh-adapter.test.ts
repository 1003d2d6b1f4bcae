import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { inspect } from 'node:util';
import Docker from 'dockerode';
import type { ContainerEvent } from '@airlock/contract/fleet';
import { DockerEngine } from '../../apps/server/src/adapters/docker.adapter';
import { describeContainer } from '../../apps/server/src/modules/fleet/inspect';
import {
  HostKeyMismatchError,
  HostKeyUnknownError,
  SshTunnel,
  type SshConnectOptions,
} from '../../apps/server/src/adapters/ssh.adapter';
import { UpstreamError } from '../../apps/server/src/lib/errors';
import { BASE_IMAGE, DOCKER_SOCKET, ensureBaseImage, removeContainers, waitFor } from '../support/docker';
import { startSshd, throwawayKey, type TestSshd } from '../support/sshd';

// Real OpenSSH (own config, throwaway keys, 127.0.0.1) in front of the real local dockerd: the
// "remote" engine is this machine's socket, reached only through the SSH tunnel. Never skipped.

const docker = new Docker({ socketPath: DOCKER_SOCKET });
const name = `airlock-test-ssh-${randomBytes(4).toString('hex')}`;
let sshd: TestSshd;
const tunnels: SshTunnel[] = [];
const daemons: TestSshd[] = [];

const opts = (d: TestSshd, extra: Partial<SshConnectOptions> = {}): SshConnectOptions => ({
  host: '127.0.0.1',
  port: d.port,
  username: 'root',
  privateKey: d.userPrivateKey,
  hostKeyFingerprint: d.hostKeyFingerprint,
  ...extra,
});

async function connect(o: SshConnectOptions): Promise<SshTunnel> {
  const t = await SshTunnel.connect(o);
  tunnels.push(t);
  return t;
}

before(async () => {
  await ensureBaseImage();
  sshd = await startSshd();
  daemons.push(sshd);
  const c = await docker.createContainer({
    name,
    Image: BASE_IMAGE,
    Cmd: ['sh', '-c', 'echo hello-over-ssh; exec sleep infinity'],
    StopTimeout: 1,
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
});

after(async () => {
  for (const t of tunnels) t.close();
  await removeContainers([name]);
  await Promise.all(daemons.map((d) => d.stop()));
});

describe('SSH adapter against a real sshd and the real dockerd', () => {
  it('the modem options stay cheap to inspect however many channels are open', async () => {
    // docker-modem util.inspects every request's options (showHidden, unlimited depth) even with
    // debugging off; through the agent that reached the whole SSH client, so every open log stream
    // made every later call slower. The agent must present itself as a short string.
    const tunnel = await connect(opts(sshd));
    const engine = new DockerEngine({
      describe: describeContainer,
      hostId: 'ssh-inspect',
      modem: tunnel.dockerModemOptions(),
    });
    const ctrl = new AbortController();
    await engine.events(ctrl.signal);
    await Promise.all([1, 2, 3].map(() => engine.logs(name, { follow: true, tail: 0, signal: ctrl.signal })));
    const text = inspect(tunnel.dockerModemOptions(), { showHidden: true, depth: null });
    ctrl.abort();
    assert.ok(text.length < 1_000, `options inspect to ${text.length} characters`);
    assert.match(text, /TunnelAgent\(\/var\/run\/docker\.sock via ssh:\/\/root@127\.0\.0\.1:/);
  });

  it('with the pinned fingerprint, drives the engine through the tunnel: ping, list, logs, action, events', async () => {
    const tunnel = await connect(opts(sshd));
    const engine = new DockerEngine({
      describe: describeContainer,
      hostId: 'ssh-test',
      modem: tunnel.dockerModemOptions(),
    });
    await engine.ping();
    const mine = (await engine.list()).find((c) => c.name === name);
    assert.ok(mine, 'the test container is listed over SSH');
    assert.equal(mine.state, 'running');

    const lines: string[] = [];
    for await (const l of await engine.logs(name, { tail: 50 })) lines.push(l.line);
    assert.ok(lines.includes('hello-over-ssh'), `logs over SSH: ${JSON.stringify(lines)}`);

    const ctrl = new AbortController();
    const seen: ContainerEvent[] = [];
    const events = await engine.events(ctrl.signal);
    const reading = (async () => {
      for await (const e of events) {
        seen.push(e);
        if (e.id === mine.id && e.action === 'restart') return;
      }
    })();
    const r = await engine.action(name, 'restart');
    assert.equal(r.changed, true);
    await waitFor(
      'restart event over SSH',
      () => Promise.resolve(seen.some((e) => e.id === mine.id && e.action === 'restart')),
      {
        timeoutMs: 15_000,
      },
    );
    ctrl.abort();
    await reading;
    const after = (await engine.list()).find((c) => c.name === name);
    assert.equal(after?.state, 'running');
    tunnel.close();
    assert.equal(tunnel.isClosed, true);
    await assert.rejects(engine.ping(), UpstreamError);
  });

  it('refuses a host whose key does not match the pin, naming both fingerprints', async () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    await assert.rejects(SshTunnel.connect(opts(sshd, { hostKeyFingerprint: wrong })), (err: unknown) => {
      assert.ok(err instanceof HostKeyMismatchError);
      assert.equal(
        err.message,
        `Host key mismatch for 127.0.0.1:${sshd.port}: expected ${wrong}, got ${sshd.hostKeyFingerprint} — if the host was rebuilt, confirm the new fingerprint`,
      );
      assert.equal(err.upstream, `ssh://root@127.0.0.1:${sshd.port}`);
      return true;
    });
  });

  it('with no pin, refuses and carries the fingerprint ssh-keygen reports', async () => {
    await assert.rejects(SshTunnel.connect(opts(sshd, { hostKeyFingerprint: null })), (err: unknown) => {
      assert.ok(err instanceof HostKeyUnknownError);
      assert.equal(err.fingerprint, sshd.hostKeyFingerprint);
      assert.match(err.message, /not confirmed/);
      return true;
    });
  });

  it('reports a refused user key as an authentication failure', async () => {
    await assert.rejects(SshTunnel.connect(opts(sshd, { privateKey: throwawayKey() })), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.match(err.message, /SSH authentication failed for ssh:\/\/root@127\.0\.0\.1:\d+/);
      return true;
    });
  });

  it('notices sshd dying mid-watch: the tunnel closes and the events iterator ends with UpstreamError', async () => {
    const doomed = await startSshd();
    daemons.push(doomed);
    const tunnel = await connect(opts(doomed));
    const closed = new Promise<string>((resolve) => tunnel.once('closed', resolve));
    const engine = new DockerEngine({
      describe: describeContainer,
      hostId: 'ssh-doomed',
      modem: tunnel.dockerModemOptions(),
    });
    const events = await engine.events(new AbortController().signal);
    const ended = (async () => {
      try {
        for await (const _ of events) {
          // only the ending matters here
        }
        return new Error('iterator ended without an error');
      } catch (err) {
        return err;
      }
    })();
    const t0 = Date.now();
    await doomed.kill();
    const err = await ended;
    const reason = await closed;
    const elapsed = Date.now() - t0;
    assert.ok(err instanceof UpstreamError, `iterator error: ${String(err)}`);
    assert.match(reason, /SSH connection/);
    assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
    assert.equal(tunnel.isClosed, true);
    await assert.rejects(tunnel.openStreamLocal(DOCKER_SOCKET), UpstreamError);
  });

  it('gives up on a host that accepts TCP but never speaks SSH, within the ready timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const addr = silent.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const t0 = Date.now();
    try {
      await assert.rejects(
        SshTunnel.connect({ ...opts(sshd), port, readyTimeoutMs: 1500 }),
        (err: unknown) => {
          assert.ok(err instanceof UpstreamError);
          assert.equal(err.code, 'upstream_timeout');
          return true;
        },
      );
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('reaches the engine through a jump host, verifying both host keys', async () => {
    const jump = await startSshd();
    daemons.push(jump);
    const tunnel = await connect(opts(sshd, { jump: opts(jump) }));
    const engine = new DockerEngine({
      describe: describeContainer,
      hostId: 'ssh-jump',
      modem: tunnel.dockerModemOptions(),
    });
    await engine.ping();
    assert.ok((await engine.list()).some((c) => c.name === name));
    tunnel.close();

    await assert.rejects(
      SshTunnel.connect(opts(sshd, { jump: opts(jump, { hostKeyFingerprint: sshd.hostKeyFingerprint }) })),
      HostKeyMismatchError,
    );
  });
});
