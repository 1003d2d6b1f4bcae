import Docker from 'dockerode';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type {
  SandboxExec,
  SandboxExecResult,
  SandboxRef,
  SandboxRuntime,
  SandboxSpec,
} from '../modules/sessions/runtime.port';
import { SESSION_SIGNAL_SCRIPT } from './docker-exec';
import {
  bundleOf,
  CappedOutput,
  checkExec,
  checkSessionId,
  checkSpec,
  envList,
  prepareStateDir,
  readMeta,
  RELAY_ARGV,
  RELAY_UP_SH,
  removeStateDir,
  SANDBOX_CA_PATH,
  SANDBOX_GID,
  SANDBOX_UID,
  sandboxEnv,
  SOCKET_MOUNT,
  stateDirOf,
  writeMeta,
} from './sandbox-files';

/**
 * Sandboxes as Docker containers on the local engine (dockerode on its unix socket).
 *
 * One container per session, `airlock-session-<id>`: no network but loopback (`NetworkMode: none`),
 * uid 1000, every capability dropped, no-new-privileges, read-only root with tmpfs /tmp and
 * /home/agent, pids/memory/CPU limits, and three mounts only: the gateway's directory read-only at
 * /run/airlock, the workdir at /work and the CA bundle over the system CA path. Never the Docker
 * socket. Its main process is the relay (socat, under docker-init so exec'd orphans are reaped).
 *
 * Exec timeout: every command runs as `setsid -w sh -c 'echo $$ > /tmp/.airlock-exec-<nonce>; ...'`,
 * so it is the leader of a session of its own whose id is in that file. On timeout a second exec (as
 * the same uid 1000, which may signal its own processes even with no capabilities) reads the file
 * and SIGKILLs every process of that session, found by walking /proc (SESSION_SIGNAL_SCRIPT, shared
 * with the fleet's exec). This ends the command and whatever it spawned, but not the relay or other
 * execs (`kill -1` would take the relay down too); it needs nothing of the host's pid namespace, so
 * it also works where the engine's pids mean nothing to the server.
 */

export interface DockerRuntimeOptions {
  /** AIRLOCK_HOME: the runtime's state lives in `home/run/sandboxes/<sessionId>/`. */
  home: string;
  socketPath?: string;
  /** Timeout of each engine call (not of an exec, which has its own). Default 15 s. */
  callTimeoutMs?: number;
  /** How long `start` waits for the relay to listen. Default 10 s. */
  readyTimeoutMs?: number;
}

const SESSION_LABEL = 'airlock.session';
const PROFILE_LABEL = 'airlock.profile';
/**
 * Which deck a sandbox belongs to: a digest of its AIRLOCK_HOME. Two decks may share one engine (a
 * test run beside a real deck, a staging deck); each lists, reconciles and cleans up only its own
 * sandboxes, so one deck's orphan cleanup never removes another's running sessions.
 */
const DECK_LABEL = 'airlock.deck';
export const deckIdOf = (home: string): string =>
  createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 16);
const CONTAINER_PREFIX = 'airlock-session-';
const USER = `${SANDBOX_UID}:${SANDBOX_GID}`;
const HOME = '/home/agent';
/** After a kill, how long the attached stream may take to end before it is cut. */
const KILL_GRACE_MS = 2_000;

export const containerName = (sessionId: string): string => `${CONTAINER_PREFIX}${checkSessionId(sessionId)}`;

const statusCodeOf = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number'
    ? err.statusCode
    : undefined;

const messageOf = (err: unknown): string => {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const j = err.json;
    if (typeof j === 'object' && j !== null && 'message' in j && typeof j.message === 'string')
      return j.message;
  }
  return err instanceof Error ? err.message : String(err);
};

function timed<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Docker did not answer (${what}) within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Splits Docker's multiplexed exec stream (8-byte frame headers: stream type, 3 zero bytes, size). */
class Demux {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly out: (stream: 1 | 2, chunk: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) return;
      const type = this.buf[0];
      const payload = this.buf.subarray(8, 8 + size);
      this.buf = this.buf.subarray(8 + size);
      if (type === 1 || type === 2) this.out(type, payload);
    }
  }
}

export class DockerRuntime implements SandboxRuntime {
  readonly kind = 'docker' as const;
  private readonly home: string;
  private readonly socketPath: string;
  private readonly docker: Docker;
  private readonly callTimeoutMs: number;
  private readonly readyTimeoutMs: number;
  private readonly deckId: string;

  constructor(opts: DockerRuntimeOptions) {
    this.home = opts.home;
    this.deckId = deckIdOf(opts.home);
    this.socketPath = opts.socketPath ?? '/var/run/docker.sock';
    this.docker = new Docker({ socketPath: this.socketPath });
    this.callTimeoutMs = opts.callTimeoutMs ?? 15_000;
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  }

  private call<T>(what: string, p: Promise<T>): Promise<T> {
    return timed(what, this.callTimeoutMs, p);
  }

  async check(image: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    try {
      await timed('ping', 5_000, this.docker.ping());
    } catch (err) {
      return {
        ok: false,
        reason: `the Docker engine is not reachable at ${this.socketPath}: ${messageOf(err)} (start dockerd)`,
      };
    }
    try {
      await this.call('inspect image', this.docker.getImage(image).inspect());
    } catch (err) {
      if (statusCodeOf(err) === 404)
        return { ok: false, reason: `the sandbox image ${image} is missing: run scripts/build-images.sh` };
      return {
        ok: false,
        reason: `the Docker engine could not inspect the image ${image}: ${messageOf(err)}`,
      };
    }
    return { ok: true };
  }

  async start(spec: SandboxSpec): Promise<SandboxRef> {
    checkSpec(spec);
    const stateDir = prepareStateDir(this.home, spec);
    const env = sandboxEnv(spec, HOME);
    writeMeta(stateDir, {
      runtime: 'docker',
      sessionId: spec.sessionId,
      profileId: spec.profileId,
      image: spec.image,
      socketDir: spec.socketDir,
      workdir: spec.workdir,
      env: spec.env,
      limits: spec.limits,
      createdAt: new Date().toISOString(),
    });
    // The agent (uid 1000) must be able to write its workdir; a root deck hands it over.
    if (process.getuid?.() === 0 && statSync(spec.workdir).uid !== SANDBOX_UID)
      chownSync(spec.workdir, SANDBOX_UID, SANDBOX_GID);

    const name = containerName(spec.sessionId);
    // A leftover of an earlier run under the same session id is replaced.
    await this.removeContainer(name);
    const container = await this.call(
      'create container',
      this.docker.createContainer({
        name,
        Image: spec.image,
        Cmd: [...RELAY_ARGV],
        Entrypoint: [],
        User: USER,
        WorkingDir: '/work',
        Env: envList(env),
        Labels: {
          [SESSION_LABEL]: spec.sessionId,
          [PROFILE_LABEL]: spec.profileId,
          [DECK_LABEL]: this.deckId,
        },
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        Tty: false,
        OpenStdin: false,
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          Init: true,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          ReadonlyRootfs: true,
          Privileged: false,
          IpcMode: 'private',
          Tmpfs: {
            '/tmp': 'rw,nosuid,nodev,size=256m,mode=1777',
            [HOME]: `rw,nosuid,nodev,size=64m,mode=1777,uid=${SANDBOX_UID},gid=${SANDBOX_GID}`,
          },
          PidsLimit: spec.limits.pids,
          Memory: spec.limits.memoryBytes,
          MemorySwap: spec.limits.memoryBytes,
          NanoCpus: Math.round(spec.limits.cpus * 1e9),
          // Mounts rather than Binds: a path with ':' or ',' in it cannot change their meaning.
          Mounts: [
            { Type: 'bind', Source: spec.socketDir, Target: SOCKET_MOUNT, ReadOnly: true },
            { Type: 'bind', Source: spec.workdir, Target: '/work', ReadOnly: false },
            { Type: 'bind', Source: bundleOf(stateDir), Target: SANDBOX_CA_PATH, ReadOnly: true },
          ],
          RestartPolicy: { Name: 'no' },
          AutoRemove: false,
        },
      }),
    );
    try {
      await this.call('start container', container.start());
      await this.waitRelay(container);
    } catch (err) {
      await this.removeContainer(container.id);
      throw err;
    }
    return {
      runtime: 'docker',
      sessionId: spec.sessionId,
      profileId: spec.profileId,
      handle: container.id,
      running: true,
    };
  }

  /** Polls /proc/net/tcp inside (a cheap exec) until the relay listens; fails with its logs if it died. */
  private async waitRelay(container: Docker.Container): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (let i = 0; ; i++) {
      const r = await this.run(container, ['sh', '-c', `${RELAY_UP_SH}; relay_up`], undefined, 5_000, 4096);
      if (r.exitCode === 0) return;
      if (i % 5 === 4 || Date.now() > deadline) {
        const info = await this.call('inspect container', container.inspect());
        if (!info.State.Running || Date.now() > deadline) {
          const logs = await container
            .logs({ stdout: true, stderr: true, tail: 20 })
            .catch(() => Buffer.alloc(0));
          throw new Error(
            `the sandbox relay did not start in ${container.id.slice(0, 12)}: ${logs.toString('utf8').replace(/[^\x20-\x7e\n]/g, '')}`,
          );
        }
      }
      await sleep(15);
    }
  }

  async exec(ref: SandboxRef, req: SandboxExec): Promise<SandboxExecResult> {
    checkExec(req);
    const container = this.docker.getContainer(ref.handle);
    const pidfile = `/tmp/.airlock-exec-${randomBytes(8).toString('hex')}`;
    const argv = [
      'setsid',
      '-w',
      'sh',
      '-c',
      'echo $$ >"$0"; "$@"; rc=$?; rm -f "$0"; exit $rc',
      pidfile,
      ...req.argv,
    ];
    return this.run(container, argv, req.stdin, req.timeoutMs, req.maxOutputBytes, pidfile);
  }

  /**
   * One engine exec as uid 1000 in /work (the container's env applies), stdout/stderr demultiplexed
   * and capped, exit code from the exec's inspect. On timeout the session in `pidfile` is killed.
   */
  private async run(
    container: Docker.Container,
    argv: string[],
    stdin: Buffer | undefined,
    timeoutMs: number,
    maxOutputBytes: number,
    pidfile?: string,
  ): Promise<SandboxExecResult> {
    const exec = await this.call(
      'create exec',
      container.exec({
        Cmd: argv,
        User: USER,
        WorkingDir: '/work',
        AttachStdin: stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      }),
    );
    const stream: Duplex = await this.call(
      'start exec',
      exec.start({ hijack: true, stdin: stdin !== undefined, Tty: false }),
    );
    const out = new CappedOutput(maxOutputBytes);
    const err = new CappedOutput(maxOutputBytes);
    const demux = new Demux((s, chunk) => (s === 1 ? out : err).push(chunk));
    let timedOut = false;
    await new Promise<void>((resolve) => {
      let done = false;
      let cut: NodeJS.Timeout | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(cut);
        resolve();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        void this.killSession(container, pidfile).finally(() => {
          cut = setTimeout(() => {
            stream.destroy();
            finish();
          }, KILL_GRACE_MS);
        });
      }, timeoutMs);
      stream.on('data', (c: Buffer) => demux.push(c));
      stream.once('end', finish);
      stream.once('close', finish);
      stream.once('error', finish);
      if (stdin !== undefined) {
        stream.on('error', () => undefined);
        stream.end(stdin);
      }
    });
    stream.destroy();
    let exitCode: number | null = null;
    if (!timedOut) {
      // The stream ends a moment before the engine records the exit code.
      for (let i = 0; i < 50; i++) {
        const info = await this.call('inspect exec', exec.inspect());
        if (!info.Running) {
          exitCode = info.ExitCode;
          break;
        }
        await sleep(10);
      }
    }
    return {
      exitCode,
      stdout: out.buffer(),
      stderr: err.buffer(),
      truncated: out.truncated || err.truncated,
      timedOut,
    };
  }

  /** SIGKILLs every process of the session whose id the exec wrote to `pidfile` (retries briefly if not yet written). */
  private async killSession(container: Docker.Container, pidfile: string | undefined): Promise<void> {
    if (!pidfile) return;
    const script =
      'for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$0" ] && break; sleep 0.05; done; ' +
      'sid=$(cat "$0" 2>/dev/null) || exit 0; rm -f "$0"; [ -n "$sid" ] || exit 0; set -- "$sid" KILL\n' +
      SESSION_SIGNAL_SCRIPT;
    try {
      await this.run(container, ['sh', '-c', script, pidfile], undefined, 5_000, 4096);
    } catch {
      // The container is gone or stopped: nothing of the exec is left to kill.
    }
  }

  interactiveArgv(ref: SandboxRef, argv: string[]): string[] {
    const meta = readMeta(stateDirOf(this.home, ref.sessionId));
    const env = sandboxEnv({ env: meta?.env ?? {} }, HOME);
    return [
      'docker',
      'exec',
      '-it',
      '-u',
      USER,
      '-w',
      '/work',
      ...envList(env).flatMap((e) => ['-e', e]),
      containerName(ref.sessionId),
      ...argv,
    ];
  }

  async remove(ref: SandboxRef): Promise<void> {
    await this.removeContainer(ref.handle || containerName(ref.sessionId));
    // The handle may be an id from before a restart; the name catches a container made since.
    await this.removeContainer(containerName(ref.sessionId));
    removeStateDir(this.home, ref.sessionId);
  }

  private async removeContainer(ref: string): Promise<void> {
    try {
      await this.call('remove container', this.docker.getContainer(ref).remove({ force: true, v: true }));
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404) return;
      // 409 "removal already in progress": done by someone else.
      if (code === 409 && /already in progress/i.test(messageOf(err))) return;
      throw new Error(`Docker could not remove the sandbox ${ref}: ${messageOf(err)}`, { cause: err });
    }
  }

  async list(): Promise<SandboxRef[]> {
    const items = await this.call(
      'list containers',
      this.docker.listContainers({
        all: true,
        filters: { label: [SESSION_LABEL, `${DECK_LABEL}=${this.deckId}`] },
      }),
    );
    return items
      .filter((c) => typeof c.Labels?.[SESSION_LABEL] === 'string')
      .map((c) => ({
        runtime: 'docker' as const,
        sessionId: c.Labels[SESSION_LABEL] ?? '',
        profileId: c.Labels[PROFILE_LABEL] ?? '',
        handle: c.Id,
        running: c.State === 'running',
      }));
  }
}
