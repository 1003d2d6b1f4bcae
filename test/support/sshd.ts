import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BASE_IMAGE, DOCKER_SOCKET, dockerCli, ensureBaseImage, removeContainers } from './docker';
import { freePort } from './e2e-server';

/**
 * A real OpenSSH server for tests: its own config, host key and user key in a temp dir, listening on
 * 127.0.0.1 on a free port. Never the machine's sshd or ~/.ssh. Missing sshd is a loud failure.
 */

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -lf <hostkey>.pub -E sha256` prints it. */
  hostKeyFingerprint: string;
  /** OpenSSH private key of a user authorized to log in as root. */
  userPrivateKey: string;
  pid: number;
  dir: string;
  /** Kills this sshd and its per-connection children, removes its temp dir. */
  stop(): Promise<void>;
  /** Kills this sshd and its sessions at once (SIGKILL): the "host died" case; `stop` still cleans up. */
  kill(): Promise<void>;
}

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'airlock-test', '-f', file], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr || String(r.error)}`);
}

export function fingerprintOf(pubFile: string): string {
  const r = spawnSync('ssh-keygen', ['-lf', pubFile, '-E', 'sha256'], { encoding: 'utf8' });
  const m = /(SHA256:[A-Za-z0-9+/]+)/.exec(r.stdout);
  if (r.status !== 0 || !m?.[1]) throw new Error(`ssh-keygen -lf ${pubFile} failed: ${r.stderr}`);
  return m[1];
}

/** A user key pair that sshd does not know (for wrong-key tests). */
export function throwawayKey(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-sshkey-'));
  try {
    keygen(path.join(dir, 'id'));
    return readFileSync(path.join(dir, 'id'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** PIDs descended from `root` (from /proc): sshd's per-connection children call setsid(). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift() as number;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Guards against signalling a recycled PID: only a process still running sshd is signalled. */
function isSshd(p: number): boolean {
  try {
    return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sshd');
  } catch {
    return false;
  }
}

function waitListening(
  port: number,
  child: ChildProcess,
  log: () => string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`sshd exited (${String(child.exitCode ?? child.signalCode)}): ${log()}`));
        return;
      }
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline)
          reject(new Error(`sshd did not listen on ${port} within ${timeoutMs} ms: ${log()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startSshd(): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server; .ci/run does`);
  // Privilege separation directory; sshd refuses to start without it.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-sshd-'));
  chmodSync(dir, 0o700);
  const hostKey = path.join(dir, 'host_ed25519');
  const userKey = path.join(dir, 'user_ed25519');
  keygen(hostKey);
  keygen(userKey);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'AllowStreamLocalForwarding yes',
      'AllowTcpForwarding yes',
      'PermitRootLogin prohibit-password',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const child = spawn(SSHD, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${SSHD}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  // Killing only the listener would leave its sessions up (each connection's child calls setsid()),
  // so signals go to every process descended from the listener — nothing else. Sessions first, while
  // the listener is alive to reap them (orphans would linger as zombies), then the listener.
  const sessions = new Set<number>();
  const signal = (p: number, sig: NodeJS.Signals) => {
    try {
      process.kill(p, sig);
    } catch {
      // ESRCH: already gone.
    }
  };
  const killTree = async (sig: NodeJS.Signals) => {
    if (alive()) for (const p of descendants(pid)) sessions.add(p);
    for (const p of sessions) if (isSshd(p)) signal(p, sig);
    if (sessions.size) await new Promise((r) => setTimeout(r, 100));
    if (alive()) signal(pid, sig);
  };
  try {
    await waitListening(port, child, () => stderr);
  } catch (err) {
    await killTree('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    pid,
    dir,
    hostKeyFingerprint: fingerprintOf(`${hostKey}.pub`),
    userPrivateKey: readFileSync(userKey, 'utf8'),
    kill: () => killTree('SIGKILL'),
    async stop() {
      if (alive()) {
        await killTree('SIGTERM');
        const t = setTimeout(() => void killTree('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      await killTree('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- a password-auth sshd in a container ---------------------------------------------------------

export const SSHD_IMAGE = 'airlock/test-sshd:bookworm';

/**
 * The base image plus Debian's openssh-server (apt from the Debian mirror, about a minute the first
 * time; kept afterwards). Host keys are made at build time, so every container shares them.
 */
export async function ensureSshdImage(): Promise<void> {
  await ensureBaseImage();
  if (spawnSync('docker', ['image', 'inspect', SSHD_IMAGE], { stdio: 'ignore' }).status === 0) return;
  const dockerfile = [
    `FROM ${BASE_IMAGE}`,
    'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server \\',
    ' && rm -rf /var/lib/apt/lists/* && mkdir -p /run/sshd && ssh-keygen -A',
  ].join('\n');
  // The Dockerfile on stdin (no build context), with a build's time limit: not dockerCli.
  const r = spawnSync('docker', ['build', '-q', '-t', SSHD_IMAGE, '-'], {
    encoding: 'utf8',
    input: dockerfile,
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) throw new Error(`docker build ${SSHD_IMAGE} failed: ${r.stderr || String(r.error)}`);
}

/** Resolves once the port answers with an SSH banner (docker's proxy accepts before sshd listens). */
function waitSshBanner(port: number, log: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      let banner = '';
      const retry = () => {
        s.destroy();
        if (Date.now() > deadline)
          reject(new Error(`no SSH banner on 127.0.0.1:${port} within ${timeoutMs} ms: ${log()}`));
        else setTimeout(attempt, 100);
      };
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        banner += d;
        if (banner.startsWith('SSH-')) {
          s.destroy();
          resolve();
        }
      });
      s.once('error', retry);
      s.once('close', () => {
        if (!banner.startsWith('SSH-')) retry();
      });
    };
    attempt();
  });
}

export interface SshdContainer {
  name: string;
  port: number;
  hostKeyFingerprint: string;
  stop(): Promise<void>;
}

/**
 * A real OpenSSH server that accepts only a password, for root, in a container this test run
 * creates (a password login needs a system user, and tests never touch this machine's users). The
 * host's Docker socket is mounted at its usual path, so an SSH host pointed at it reaches the same
 * dockerd. Listens on 127.0.0.1 only.
 */
export async function startPasswordSshd(name: string, password: string): Promise<SshdContainer> {
  const sshd = [
    'exec /usr/sbin/sshd -D -e',
    '-o PermitRootLogin=yes -o PasswordAuthentication=yes -o PubkeyAuthentication=no',
    '-o KbdInteractiveAuthentication=no -o UsePAM=no -o AllowStreamLocalForwarding=yes',
    '-o HostKey=/etc/ssh/ssh_host_ed25519_key',
  ].join(' ');
  await dockerCli(
    'run',
    '-d',
    '--name',
    name,
    '--label',
    'airlock.test=fleet',
    '-p',
    '127.0.0.1::22',
    '-v',
    `${DOCKER_SOCKET}:${DOCKER_SOCKET}`,
    '-e',
    `AIRLOCK_TEST_PASSWORD=${password}`,
    SSHD_IMAGE,
    'sh',
    '-c',
    `echo "root:$AIRLOCK_TEST_PASSWORD" | chpasswd && ${sshd}`,
  );
  const stop = () => removeContainers([name]);
  try {
    const mapped = /:(\d+)\s*$/m.exec(await dockerCli('port', name, '22/tcp'));
    if (!mapped?.[1]) throw new Error(`docker port ${name} 22/tcp: no mapping`);
    const port = Number(mapped[1]);
    // sshd -e logs to the container's stderr, which `docker logs` prints on its own stderr.
    await waitSshBanner(port, () => spawnSync('docker', ['logs', name], { encoding: 'utf8' }).stderr);
    const printed = await dockerCli(
      'exec',
      name,
      'ssh-keygen',
      '-lf',
      '/etc/ssh/ssh_host_ed25519_key.pub',
      '-E',
      'sha256',
    );
    const fp = /(SHA256:[A-Za-z0-9+/]+)/.exec(printed)?.[1];
    if (!fp) throw new Error(`no fingerprint in: ${printed}`);
    return { name, port, hostKeyFingerprint: fp, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
