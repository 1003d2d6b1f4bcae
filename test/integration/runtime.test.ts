import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BwrapRuntime } from '../../apps/server/src/adapters/runtime.bwrap';
import { containerName, DockerRuntime } from '../../apps/server/src/adapters/runtime.docker';
import type {
  SandboxExec,
  SandboxExecResult,
  SandboxRef,
  SandboxRuntime,
} from '../../apps/server/src/modules/sessions/runtime.port';
import { dockerCli, DOCKER_SOCKET, removeContainers, requireDocker } from '../support/docker';
import { fakeGatewayDir, hostIpv4, recordingListener, type FakeGateway } from '../support/sandbox';

/**
 * Both sandbox runtimes against the same contract, for real: a Docker container on the local engine
 * and bubblewrap on this host. Nothing is skipped: a missing engine, image or bwrap fails loudly.
 */

const IMAGE = 'airlock/sandbox:bookworm';
const LIMITS = { pids: 128, memoryBytes: 256 * 1024 * 1024, cpus: 0.5 };

interface Case {
  name: 'docker' | 'bwrap';
  make(home: string): SandboxRuntime;
}

const cases: Case[] = [
  { name: 'docker', make: (home) => new DockerRuntime({ home }) },
  { name: 'bwrap', make: (home) => new BwrapRuntime({ home }) },
];

const text = (b: Buffer) => b.toString('utf8');
const show = (r: SandboxExecResult) =>
  `exit ${String(r.exitCode)}, stdout ${JSON.stringify(text(r.stdout))}, stderr ${JSON.stringify(text(r.stderr))}`;

for (const c of cases) {
  describe(`sandbox runtime: ${c.name}`, () => {
    const sessionId = `t${randomBytes(4).toString('hex')}-${c.name}`;
    let home = '';
    let workdir = '';
    let gw: FakeGateway | null = null;
    let runtime: SandboxRuntime;
    let ref: SandboxRef | null = null;

    const run = (argv: string[], extra: Partial<SandboxExec> = {}) => {
      assert.ok(ref, 'the sandbox did not start');
      return runtime.exec(ref, { argv, timeoutMs: 20_000, maxOutputBytes: 1 << 20, ...extra });
    };
    const sh = (script: string, extra: Partial<SandboxExec> = {}) => run(['sh', '-c', script], extra);

    before(async () => {
      if (c.name === 'docker') await requireDocker();
      home = mkdtempSync(path.join(os.tmpdir(), `airlock-test-home-${c.name}-`));
      workdir = mkdtempSync(path.join(os.tmpdir(), `airlock-test-work-${c.name}-`));
      gw = await fakeGatewayDir();
      runtime = c.make(home);
      const check = await runtime.check(IMAGE);
      assert.deepEqual(check, { ok: true }, `${c.name} cannot run here: ${check.ok ? '' : check.reason}`);
      const t0 = performance.now();
      ref = await runtime.start({
        sessionId,
        profileId: 'test-profile',
        image: IMAGE,
        socketDir: gw.dir,
        workdir,
        env: { AIRLOCK_TEST: 'yes', GITHUB_TOKEN: 'airlock-placeholder-1' },
        limits: LIMITS,
      });
      const t1 = performance.now();
      const first = await run(['true']);
      const t2 = performance.now();
      assert.equal(first.exitCode, 0, show(first));
      console.log(
        `# ${c.name}: start ${(t1 - t0).toFixed(0)} ms, first exec ${(t2 - t1).toFixed(0)} ms, start→first exec answered ${(t2 - t0).toFixed(0)} ms`,
      );
    });

    after(async () => {
      if (ref) await runtime.remove(ref).catch(() => undefined);
      if (c.name === 'docker') await removeContainers([containerName(sessionId)]);
      await gw?.close();
      for (const d of [home, workdir]) if (d) rmSync(d, { recursive: true, force: true });
    });

    it('check() names what is missing', async () => {
      if (c.name === 'docker') {
        const r = await runtime.check('airlock/no-such-image:none');
        assert.deepEqual(r, {
          ok: false,
          reason: 'the sandbox image airlock/no-such-image:none is missing: run scripts/build-images.sh',
        });
        const gone = await new DockerRuntime({ home, socketPath: path.join(home, 'no.sock') }).check(IMAGE);
        assert.equal(gone.ok, false);
        assert.match(gone.ok ? '' : gone.reason, /^the Docker engine is not reachable at .*no\.sock/);
      } else {
        const r = await new BwrapRuntime({ home, bwrap: path.join(home, 'no-bwrap') }).check(IMAGE);
        assert.deepEqual(r, {
          ok: false,
          reason: 'bubblewrap (bwrap) is not installed: apt-get install bubblewrap',
        });
      }
    });

    it('reaches the gateway through the relay with the proxy env', async () => {
      assert.ok(gw);
      const r = await run(['curl', '-sS', '--max-time', '10', 'http://decoy.test/x']);
      assert.equal(r.exitCode, 0, show(r));
      assert.equal(text(r.stdout), 'via-gateway');
      assert.ok(gw.requests.includes('GET http://decoy.test/x HTTP/1.1'), JSON.stringify(gw.requests));
    });

    it('has loopback only: no interface but lo, no direct TCP to the host', async () => {
      const dev = await run(['cat', '/proc/net/dev']);
      assert.equal(dev.exitCode, 0, show(dev));
      const ifaces = text(dev.stdout)
        .split('\n')
        .slice(2)
        .map((l) => l.split(':')[0]?.trim())
        .filter(Boolean);
      assert.deepEqual(ifaces, ['lo']);

      const loop = await recordingListener('127.0.0.1');
      const outer = await recordingListener(hostIpv4());
      try {
        // Prove the listeners answer from the host, then that the sandbox cannot reach them.
        const probe = (host: string, port: number) =>
          run([
            'python3',
            '-c',
            [
              'import socket, sys',
              'try:',
              `    socket.create_connection((${JSON.stringify(host)}, ${port}), timeout=3).close()`,
              '    print("connected"); sys.exit(1)',
              'except OSError as e:',
              '    print("blocked", e); sys.exit(0)',
            ].join('\n'),
          ]);
        for (const l of [loop, outer]) {
          const r = await probe(l.host, l.port);
          assert.equal(r.exitCode, 0, `${l.host}:${l.port} reachable from inside: ${show(r)}`);
          assert.match(text(r.stdout), /^blocked/);
          assert.equal(l.connections(), 0, `${l.host}:${l.port} saw a connection from the sandbox`);
        }
      } finally {
        await loop.close();
        await outer.close();
      }
    });

    it('is unprivileged with a read-only system and a writable /work, host secrets absent', async () => {
      const id = await run(['id', '-u']);
      assert.equal(id.exitCode, 0, show(id));
      assert.notEqual(text(id.stdout).trim(), '0');
      assert.equal(text(id.stdout).trim(), '1000');

      const usr = await sh('echo x > /usr/airlock-test 2>/dev/null');
      assert.notEqual(usr.exitCode, 0, 'writing to /usr succeeded');

      const w = await sh('echo hello > /work/x && cat /work/x');
      assert.equal(w.exitCode, 0, show(w));
      assert.equal(readFileSync(path.join(workdir, 'x'), 'utf8'), 'hello\n');

      const absent = [home, DOCKER_SOCKET, '/run/docker.sock', '/var/run/docker.sock'];
      if (c.name === 'bwrap') absent.push('/root', '/home');
      for (const p of absent) {
        const r = await run(['sh', '-c', 'test -e "$1" || test -L "$1"', 'sh', p]);
        assert.equal(r.exitCode, 1, `${p} is visible inside`);
      }
      if (c.name === 'docker') {
        // The image's own /root (not the host's): closed to the agent.
        const root = await run(['ls', '/root']);
        assert.notEqual(root.exitCode, 0, `ls /root: ${show(root)}`);
      }
      const shadow = await sh('cat /etc/shadow 2>/dev/null');
      assert.ok(shadow.exitCode !== 0 || shadow.stdout.length === 0, `/etc/shadow readable: ${show(shadow)}`);
    });

    it('has the proxy and CA environment and the session CA in the system bundle', async () => {
      assert.ok(gw);
      const r = await run(['env']);
      assert.equal(r.exitCode, 0, show(r));
      const env = new Map(
        text(r.stdout)
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
      );
      for (const k of ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'https_proxy', 'http_proxy', 'all_proxy'])
        assert.equal(env.get(k), 'http://127.0.0.1:3128', k);
      assert.equal(env.get('NO_PROXY'), '');
      assert.equal(env.get('no_proxy'), '');
      assert.equal(env.get('NODE_EXTRA_CA_CERTS'), '/run/airlock/ca.pem');
      for (const k of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'])
        assert.equal(env.get(k), '/etc/ssl/certs/ca-certificates.crt', k);
      assert.equal(env.get('USER'), 'agent');
      assert.equal(env.get('HOME'), c.name === 'docker' ? '/home/agent' : '/tmp/home');
      assert.equal(env.get('AIRLOCK_TEST'), 'yes');

      const bundle = await run(['cat', '/etc/ssl/certs/ca-certificates.crt']);
      assert.equal(bundle.exitCode, 0, show(bundle));
      assert.ok(text(bundle.stdout).includes(gw.caPem.trim()), 'the bundle lacks the session CA');
      const ca = await run(['cat', '/run/airlock/ca.pem']);
      assert.equal(text(ca.stdout), gw.caPem);
      const home = await sh('echo ok > "$HOME/f" && cat "$HOME/f"');
      assert.equal(text(home.stdout), 'ok\n', show(home));
    });

    it('passes stdin and exit codes through, kills on timeout, caps output', async () => {
      const cat = await run(['cat'], { stdin: Buffer.from('from stdin\n') });
      assert.equal(cat.exitCode, 0, show(cat));
      assert.equal(text(cat.stdout), 'from stdin\n');

      const seven = await sh('exit 7');
      assert.equal(seven.exitCode, 7);
      assert.equal(seven.timedOut, false);

      const t0 = performance.now();
      const slow = await run(['sleep', '30'], { timeoutMs: 500 });
      const took = performance.now() - t0;
      assert.equal(slow.exitCode, null);
      assert.equal(slow.timedOut, true);
      assert.ok(took < 5_000, `timeout took ${took.toFixed(0)} ms`);
      if (c.name === 'docker') {
        const ps = await run(['ps', '-eo', 'args']);
        assert.doesNotMatch(text(ps.stdout), /sleep 30/, 'the timed-out command still runs');
        assert.match(text(ps.stdout), /socat/, 'the relay died with the timed-out command');
      }

      const big = await sh('head -c 100000 /dev/zero; head -c 50000 /dev/zero >&2; echo done >&2', {
        maxOutputBytes: 1000,
      });
      assert.equal(big.exitCode, 0, show(big));
      assert.equal(big.stdout.length, 1000);
      assert.equal(big.stderr.length, 1000);
      assert.equal(big.truncated, true);
      const small = await run(['echo', 'hi'], { maxOutputBytes: 1000 });
      assert.equal(small.truncated, false);
    });

    it('gives an interactive argv', () => {
      assert.ok(ref);
      const argv = runtime.interactiveArgv(ref, ['id', '-u']);
      if (c.name === 'docker') {
        assert.deepEqual(argv.slice(0, 7), ['docker', 'exec', '-it', '-u', '1000:1000', '-w', '/work']);
        assert.ok(argv.includes('HTTPS_PROXY=http://127.0.0.1:3128'));
        assert.deepEqual(argv.slice(-3), [containerName(sessionId), 'id', '-u']);
      } else {
        assert.equal(argv[0], 'bwrap');
        const [cmd, ...args] = argv as [string, ...string[]];
        const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), '1000');
      }
    });

    if (c.name === 'docker') {
      it('docker: the container is sealed (inspect)', async () => {
        assert.ok(ref);
        const [info] = JSON.parse(await dockerCli('inspect', ref.handle)) as [
          {
            Name: string;
            Config: { User: string; Labels: Record<string, string> };
            HostConfig: {
              NetworkMode: string;
              CapDrop: string[] | null;
              SecurityOpt: string[] | null;
              ReadonlyRootfs: boolean;
              PidsLimit: number;
              Memory: number;
              NanoCpus: number;
              Privileged: boolean;
            };
            Mounts: { Source: string; Destination: string; RW: boolean }[];
          },
        ];
        assert.equal(info.Name, `/${containerName(sessionId)}`);
        assert.equal(info.HostConfig.NetworkMode, 'none');
        assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
        assert.ok(info.HostConfig.SecurityOpt?.includes('no-new-privileges'));
        assert.equal(info.HostConfig.ReadonlyRootfs, true);
        assert.equal(info.HostConfig.Privileged, false);
        assert.equal(info.HostConfig.PidsLimit, LIMITS.pids);
        assert.equal(info.HostConfig.Memory, LIMITS.memoryBytes);
        assert.equal(info.HostConfig.NanoCpus, LIMITS.cpus * 1e9);
        assert.equal(info.Config.User, '1000:1000');
        assert.equal(info.Config.Labels['airlock.session'], sessionId);
        assert.equal(info.Config.Labels['airlock.profile'], 'test-profile');
        for (const m of info.Mounts) {
          assert.doesNotMatch(m.Source, /docker\.sock/);
          assert.doesNotMatch(m.Destination, /docker\.sock/);
        }
        const byDest = new Map(info.Mounts.map((m) => [m.Destination, m]));
        assert.equal(byDest.get('/run/airlock')?.RW, false);
        assert.equal(byDest.get('/etc/ssl/certs/ca-certificates.crt')?.RW, false);
        assert.equal(byDest.get('/work')?.RW, true);
        assert.equal(info.Mounts.length, 3, JSON.stringify(info.Mounts));
      });
    }

    it('is listed, removed, removed again, and no longer listed', async () => {
      assert.ok(ref);
      const listed = await runtime.list();
      assert.ok(
        listed.some((r) => r.sessionId === sessionId && r.profileId === 'test-profile' && r.running),
        JSON.stringify(listed),
      );
      // Another deck's runtime (another home, same engine or machine) never sees this sandbox, so
      // its orphan cleanup cannot remove this deck's running session.
      const otherHome = mkdtempSync(path.join(os.tmpdir(), `airlock-test-other-${c.name}-`));
      try {
        const other = await c.make(otherHome).list();
        assert.ok(!other.some((r) => r.sessionId === sessionId), JSON.stringify(other));
      } finally {
        rmSync(otherHome, { recursive: true, force: true });
      }
      await runtime.remove(ref);
      await runtime.remove(ref);
      const later = await runtime.list();
      assert.ok(!later.some((r) => r.sessionId === sessionId), JSON.stringify(later));
      assert.equal(existsSync(path.join(home, 'run', 'sandboxes', sessionId)), false);
      if (c.name === 'docker') {
        const names = await dockerCli('ps', '-a', '--filter', `name=^/${containerName(sessionId)}$`, '-q');
        assert.equal(names.trim(), '');
      }
    });
  });
}
