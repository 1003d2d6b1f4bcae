import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import type {
  SandboxExec,
  SandboxExecResult,
  SandboxRef,
  SandboxRuntime,
  SandboxSpec,
} from '../modules/sessions/runtime.port';
import {
  bundleOf,
  CappedOutput,
  checkExec,
  checkSpec,
  listMetas,
  prepareStateDir,
  readMeta,
  RELAY_ARGV,
  RELAY_UP_SH,
  removeStateDir,
  SANDBOX_CA_PATH,
  SANDBOX_GID,
  SANDBOX_PATH,
  SANDBOX_UID,
  sandboxEnv,
  SOCKET_MOUNT,
  stateDirOf,
  writeMeta,
  type SandboxMeta,
} from './sandbox-files';

/**
 * Sandboxes with bubblewrap, for hosts without Docker. There is no long-lived sandbox process: the
 * sandbox is its state dir (`home/run/sandboxes/<id>/meta.json` + the CA bundle), and each exec is
 * its own `bwrap` invocation built from it, so every exec sees the same filesystem view (host system
 * dirs read-only, /etc with secrets masked, the workdir at /work, the gateway's dir at /run/airlock)
 * and its own fresh loopback-only network namespace with its own relay. Processes do not outlive
 * their exec (bwrap's pid namespace ends with the command); that is fine for now, and the tmux
 * session of the next issue keeps its own shell alive through `interactiveArgv`.
 *
 * Identity: `--unshare-all` includes a user namespace, so inside the command is uid/gid 1000 with no
 * capabilities even when the deck runs as root. Host files of the deck's uid appear owned by the
 * sandbox user, which is why every /etc entry others cannot read (shadow, ssh host keys, ...) is
 * masked, not just a fixed list, and why nothing of the deck's home or /root is bound at all.
 */

export interface BwrapRuntimeOptions {
  /** AIRLOCK_HOME: the state dirs live in `home/run/sandboxes/`; nothing of it is visible inside. */
  home: string;
  /** The bwrap binary. Default `bwrap` from PATH. */
  bwrap?: string;
}

const HOME = '/tmp/home';
/** How long the in-sandbox wrapper waits for the relay to listen, in 3 ms steps (≈ 2 s). */
const RELAY_WAIT_STEPS = 650;
/**
 * The /etc masks are walked (≈ 40 ms for 1500 entries) at most this often; `check` walks them too,
 * so a server that checks its runtime at boot has them ready for the first session.
 */
const MASKS_TTL_MS = 30_000;
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'];
/** Masked even when world-readable (belt and braces; most are 0640/0600 anyway). */
const ETC_SECRETS = ['shadow', 'shadow-', 'gshadow', 'gshadow-', 'sudoers', 'security/opasswd'];
const ETC_SECRET_DIRS = ['ssh', 'sudoers.d', 'ssl/private'];

/**
 * The wrapper every exec runs as: start the relay, wait until /proc/net/tcp lists it in LISTEN
 * state (never connecting to it), then exec the command (`"$@"`) in its place.
 */
const WRAPPER = [
  RELAY_UP_SH,
  `${RELAY_ARGV.join(' ')} </dev/null >/dev/null 2>&1 &`,
  'i=0',
  `until relay_up; do i=$((i + 1)); if [ "$i" -gt ${RELAY_WAIT_STEPS} ]; then echo "airlock: the relay did not start" >&2; exit 125; fi; sleep 0.003; done`,
  'exec "$@"',
].join('\n');

const under = (p: string, dir: string): boolean =>
  p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** /etc entries others cannot read (files: masked by /dev/null; dirs: an empty tmpfs), walked once per start. */
function etcMasks(): { files: string[]; dirs: string[] } {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if ((st.mode & 0o005) !== 0o005) dirs.add(p);
        else if (depth < 8) walk(p, depth + 1);
      } else if (st.isFile() && (st.mode & 0o004) === 0) {
        files.add(p);
      }
    }
  };
  walk('/etc', 0);
  for (const f of ETC_SECRETS)
    if (existsSync(`/etc/${f}`) && statSync(`/etc/${f}`).isFile()) files.add(`/etc/${f}`);
  for (const d of ETC_SECRET_DIRS)
    if (existsSync(`/etc/${d}`) && statSync(`/etc/${d}`).isDirectory()) dirs.add(`/etc/${d}`);
  // A file inside a masked dir needs no mask of its own (and its mount point would be gone).
  const inMasked = (p: string) => [...dirs].some((d) => d !== p && under(p, d));
  return {
    files: [...files].filter((f) => !inMasked(f)).sort(),
    dirs: [...dirs].filter((d) => !inMasked(d)).sort(),
  };
}

export class BwrapRuntime implements SandboxRuntime {
  readonly kind = 'bubblewrap' as const;
  private readonly home: string;
  private readonly bwrap: string;
  private masks: { files: string[]; dirs: string[]; at: number } | null = null;

  constructor(opts: BwrapRuntimeOptions) {
    this.home = path.resolve(opts.home);
    this.bwrap = opts.bwrap ?? 'bwrap';
  }

  async check(_image: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const version = await this.spawnQuick([this.bwrap, '--version']);
    if (version.notFound)
      return { ok: false, reason: 'bubblewrap (bwrap) is not installed: apt-get install bubblewrap' };
    const socat = await this.spawnQuick(['socat', '-V']);
    if (socat.notFound)
      return { ok: false, reason: 'socat (the sandbox relay) is not installed: apt-get install socat' };
    const probe = await this.spawnQuick([
      this.bwrap,
      '--unshare-all',
      '--die-with-parent',
      '--uid',
      String(SANDBOX_UID),
      '--gid',
      String(SANDBOX_GID),
      ...this.systemArgs(),
      '--',
      '/bin/true',
    ]);
    this.currentMasks();
    if (probe.code !== 0)
      return {
        ok: false,
        reason: `bubblewrap cannot create its namespaces here (user namespaces disabled?): ${probe.stderr.trim() || `exit ${String(probe.code)}`}`,
      };
    return { ok: true };
  }

  private spawnQuick(argv: string[]): Promise<{ code: number | null; stderr: string; notFound: boolean }> {
    return new Promise((resolve) => {
      const [cmd, ...args] = argv as [string, ...string[]];
      const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.once('error', (err: NodeJS.ErrnoException) =>
        resolve({ code: null, stderr: err.message, notFound: err.code === 'ENOENT' }),
      );
      child.once('close', (code) => resolve({ code, stderr, notFound: false }));
    });
  }

  /** Host system dirs, read-only; merged-usr symlinks (/bin -> usr/bin) stay symlinks. */
  private systemArgs(): string[] {
    const args: string[] = [];
    for (const dir of SYSTEM_DIRS) {
      let st;
      try {
        st = lstatSync(dir);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
      else if (st.isDirectory()) args.push('--ro-bind', dir, dir);
    }
    return args;
  }

  private currentMasks(): { files: string[]; dirs: string[] } {
    if (!this.masks || Date.now() - this.masks.at > MASKS_TTL_MS)
      this.masks = { ...etcMasks(), at: Date.now() };
    return this.masks;
  }

  /**
   * The full bwrap argv for one sandbox, up to and including the wrapper's `sh` (the command's argv
   * follows), or up to `--` when `relay` is false.
   */
  private bwrapArgs(meta: SandboxMeta, stateDir: string, relay = true): string[] {
    const masks = this.currentMasks();
    const env = sandboxEnv(meta, HOME);
    const args: string[] = [
      this.bwrap,
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--uid',
      String(SANDBOX_UID),
      '--gid',
      String(SANDBOX_GID),
      '--hostname',
      'airlock',
      ...this.systemArgs(),
      '--ro-bind',
      '/etc',
      '/etc',
    ];
    for (const f of masks.files) args.push('--ro-bind', '/dev/null', f);
    for (const d of masks.dirs) args.push('--tmpfs', d, '--remount-ro', d);
    if (existsSync(SANDBOX_CA_PATH)) {
      args.push('--ro-bind', bundleOf(stateDir), SANDBOX_CA_PATH);
    } else {
      const certs = path.dirname(SANDBOX_CA_PATH);
      if (!existsSync(certs))
        throw new Error(`this host has no ${certs}: the sandbox cannot get its CA bundle`);
      args.push('--tmpfs', certs, '--ro-bind', bundleOf(stateDir), SANDBOX_CA_PATH, '--remount-ro', certs);
    }
    // AIRLOCK_HOME must not show through a bound system dir (an odd layout, but cheap to rule out).
    for (const dir of ['/usr', '/etc']) if (under(this.home, dir)) args.push('--tmpfs', this.home);
    args.push(
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--tmpfs',
      '/tmp',
      '--dir',
      HOME,
      '--tmpfs',
      '/run',
      '--ro-bind',
      meta.socketDir,
      SOCKET_MOUNT,
      '--bind',
      meta.workdir,
      '/work',
      '--chdir',
      '/work',
      '--clearenv',
    );
    for (const [k, v] of Object.entries(env)) args.push('--setenv', k, v);
    args.push('--');
    if (relay) args.push('/bin/sh', '-c', WRAPPER, 'sh');
    return args;
  }

  private load(ref: SandboxRef): { meta: SandboxMeta; stateDir: string } {
    const stateDir = stateDirOf(this.home, ref.sessionId);
    const meta = readMeta(stateDir);
    if (!meta || meta.runtime !== 'bubblewrap')
      throw new Error(`no bubblewrap sandbox for session ${ref.sessionId}`);
    return { meta, stateDir };
  }

  async start(spec: SandboxSpec): Promise<SandboxRef> {
    checkSpec(spec);
    const stateDir = prepareStateDir(this.home, spec);
    const meta: SandboxMeta = {
      runtime: 'bubblewrap',
      sessionId: spec.sessionId,
      profileId: spec.profileId,
      image: spec.image,
      socketDir: spec.socketDir,
      workdir: spec.workdir,
      env: spec.env,
      limits: spec.limits,
      createdAt: new Date().toISOString(),
    };
    writeMeta(stateDir, meta);
    const ref: SandboxRef = {
      runtime: 'bubblewrap',
      sessionId: spec.sessionId,
      profileId: spec.profileId,
      handle: stateDir,
      running: true,
    };
    // One quick run with the real mounts (the relay aside: check() found socat, and each exec starts
    // and awaits its own): a sandbox that cannot be entered fails here, not at its first exec.
    const probe = await this.run([...this.bwrapArgs(meta, stateDir, false), '/bin/true'], {
      argv: ['true'],
      timeoutMs: 10_000,
      maxOutputBytes: 4096,
    });
    if (probe.exitCode !== 0) {
      removeStateDir(this.home, spec.sessionId);
      throw new Error(
        `bubblewrap could not start the sandbox (exit ${String(probe.exitCode)}): ${probe.stderr.toString('utf8').trim()}`,
      );
    }
    return ref;
  }

  exec(ref: SandboxRef, req: SandboxExec): Promise<SandboxExecResult> {
    checkExec(req);
    const { meta, stateDir } = this.load(ref);
    return this.run([...this.bwrapArgs(meta, stateDir), ...req.argv], req);
  }

  /** Runs one bwrap argv: stdin fed, output capped (and drained), the process group killed on timeout. */
  private run(argv: string[], req: SandboxExec): Promise<SandboxExecResult> {
    const [cmd, ...args] = argv as [string, ...string[]];
    return new Promise((resolve, reject) => {
      // Own process group, so a timeout kills bwrap and everything it started in one signal.
      const child = spawn(cmd, args, {
        stdio: [req.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        detached: true,
        env: { PATH: SANDBOX_PATH },
      });
      const out = new CappedOutput(req.maxOutputBytes);
      const err = new CappedOutput(req.maxOutputBytes);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, req.timeoutMs);
      child.stdout?.on('data', (c: Buffer) => out.push(c));
      child.stderr?.on('data', (c: Buffer) => err.push(c));
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`could not run bwrap: ${e.message}`, { cause: e }));
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({
          exitCode: timedOut ? null : code,
          stdout: out.buffer(),
          stderr: err.buffer(),
          truncated: out.truncated || err.truncated,
          timedOut,
        });
      });
      if (child.stdin) {
        child.stdin.on('error', () => undefined);
        child.stdin.end(req.stdin);
      }
    });
  }

  interactiveArgv(ref: SandboxRef, argv: string[]): string[] {
    const { meta, stateDir } = this.load(ref);
    return [...this.bwrapArgs(meta, stateDir), ...argv];
  }

  remove(ref: SandboxRef): Promise<void> {
    removeStateDir(this.home, ref.sessionId);
    return Promise.resolve();
  }

  /** Every state dir with a bubblewrap meta.json. `running` is true: nothing runs between execs, and any exec works. */
  list(): Promise<SandboxRef[]> {
    return Promise.resolve(
      listMetas(this.home, 'bubblewrap').map(({ dir, meta }) => ({
        runtime: 'bubblewrap' as const,
        sessionId: meta.sessionId,
        profileId: meta.profileId,
        handle: dir,
        running: true,
      })),
    );
  }
}
