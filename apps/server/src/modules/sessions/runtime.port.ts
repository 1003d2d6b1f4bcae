/**
 * What the sessions module needs from a sandbox runtime (issue 9). Adapters implement it:
 * `adapters/runtime.docker.ts` (default) and `adapters/runtime.bwrap.ts`. A microVM adapter would
 * carry the same socket over vsock, a Kubernetes one would make a pod whose only egress is the
 * gateway service; neither changes this interface, the gateway or the sessions module.
 *
 * Every sandbox has no network interface but loopback. Its one way out is the session directory
 * the gateway made (`socketDir`, holding `gw.sock` and `ca.pem`), mounted read-only at
 * `/run/airlock` inside; a relay started by the runtime listens on 127.0.0.1:3128 inside and
 * forwards each connection to `/run/airlock/gw.sock`.
 */

export type RuntimeKind = 'docker' | 'bubblewrap';

export interface SandboxLimits {
  pids: number;
  memoryBytes: number;
  /** CPUs, fractional allowed (docker NanoCpus; bubblewrap: not enforced, recorded). */
  cpus: number;
}

export interface SandboxSpec {
  sessionId: string;
  profileId: string;
  /** The image to run (docker); ignored by bubblewrap, which binds the host's system dirs. */
  image: string;
  /** Host directory made by the gateway: `gw.sock` and `ca.pem`. Mounted read-only at /run/airlock. */
  socketDir: string;
  /** Host directory mounted read-write at /work (the working directory of every exec). */
  workdir: string;
  /** Non-secret environment (placeholders for injected credentials included). */
  env: Record<string, string>;
  limits: SandboxLimits;
}

/** A sandbox that exists (running or stopped), as the runtime finds it. */
export interface SandboxRef {
  runtime: RuntimeKind;
  sessionId: string;
  profileId: string;
  /** Runtime-specific handle: the container id, or the bubblewrap state directory. */
  handle: string;
  running: boolean;
}

export interface SandboxExec {
  argv: string[];
  stdin?: Buffer;
  timeoutMs: number;
  /** Per stream; output past it is dropped and `truncated` set. */
  maxOutputBytes: number;
}

export interface SandboxExecResult {
  /** Null when the process was killed (timeout) or its status is unknown. */
  exitCode: number | null;
  stdout: Buffer;
  stderr: Buffer;
  truncated: boolean;
  timedOut: boolean;
}

export interface SandboxRuntime {
  readonly kind: RuntimeKind;
  /** Checks the runtime can run here (engine reachable, bwrap present, image built); a clear reason if not. */
  check(image: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Creates and starts the sandbox; resolves once an exec would be answered. */
  start(spec: SandboxSpec): Promise<SandboxRef>;
  /** Runs argv inside as the sandbox user, in /work, with the sandbox environment. */
  exec(ref: SandboxRef, req: SandboxExec): Promise<SandboxExecResult>;
  /** argv (on the server host) of an interactive shell/command inside, for tmux (next issue). */
  interactiveArgv(ref: SandboxRef, argv: string[]): string[];
  /** Stops and removes it; idempotent (a sandbox already gone is not an error). */
  remove(ref: SandboxRef): Promise<void>;
  /** Every sandbox this runtime holds for Airlock (by label / state dir), for reconcile at start. */
  list(): Promise<SandboxRef[]>;
}
