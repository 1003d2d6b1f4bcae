import type { Duplex } from 'node:stream';
import type {
  ContainerDetail,
  ContainerEvent,
  ContainerStats,
  ContainerVerb,
  LogLine,
} from '@airlock/contract/fleet';

/**
 * What the fleet needs of a container engine, owned here and implemented by adapters
 * (adapters/docker.adapter.ts today, over a local socket or an SSH-forwarded one). Types only: an
 * adapter may import this file and nothing else from modules/ (lint). The errors an engine throws
 * that the fleet reacts to are in lib/adapter-errors.ts.
 */
export interface Engine {
  /** Fails (UpstreamError) when the engine is not there, slow past `timeoutMs`, or not Docker. */
  ping(timeoutMs?: number): Promise<void>;
  /** Every container (running or not), described by the fleet's DescribeContainer. */
  list(hostId?: string): Promise<ContainerDetail[]>;
  inspect(ref: string, hostId?: string): Promise<ContainerDetail>;
  action(ref: string, verb: ContainerVerb): Promise<ActionResult>;
  stats(ref: string): Promise<ContainerStats>;
  exec(ref: string, cols: number, rows: number): Promise<ExecSession & { shell: string }>;
  /** Container events until `signal` aborts or the engine ends the stream. */
  events(signal: AbortSignal): Promise<AsyncIterable<ContainerEvent>>;
  /** The last `tail` lines (buffered, capped), then live ones with `follow`. */
  logs(ref: string, opts?: LogsOptions): Promise<AsyncIterable<LogLine>>;
  /** The last `tail` lines read only as fast as they are consumed (downloads). */
  logsStreamed(ref: string, opts?: Omit<LogsOptions, 'follow'>): Promise<AsyncIterable<LogLine>>;
  /** Told whenever an answer passed its byte cap, whoever asked (the host turns degraded). */
  onAnswerTooLarge(cb: (err: Error & { what: string }) => void): void;
}

/**
 * Turns an engine's inspect document (as Docker returns it, not yet validated) into the contract's
 * ContainerDetail: validation, classification and secret masking are the fleet's, handed to the
 * adapter so a container reads the same whether an engine or a push agent reported it.
 */
export type DescribeContainer = (hostId: string, inspect: unknown) => ContainerDetail;

export interface LogsOptions {
  /** Lines from the end; default 200. */
  tail?: number;
  follow?: boolean;
  timestamps?: boolean;
  /** Ends the iterator and destroys the underlying stream. */
  signal?: AbortSignal;
}

export interface ActionResult {
  verb: ContainerVerb;
  /** False when Docker answered 304 (already started / already stopped). */
  changed: boolean;
}

/** How a shell's processes were ended when its socket closed. */
export interface ExecTermination {
  /** true: nothing of the shell's session is left; false: something survived; null: could not tell. */
  ended: boolean | null;
  /** The strongest signal that was needed: none (it had exited), HUP, or KILL. */
  signal: 'HUP' | 'KILL' | null;
}

/**
 * An interactive exec session: `stream` carries terminal bytes both ways (TTY, so not multiplexed).
 * The stream is handed over paused: attach a 'data' listener, then resume it.
 */
export interface ExecSession {
  stream: Duplex;
  /** The shell's pid inside the container (its session id), or null if the shell did not say. */
  pid: number | null;
  resize(cols: number, rows: number): Promise<void>;
  /** Exit code once the process ended (null if unknown). */
  exitCode(): Promise<number | null>;
  /**
   * Ends the shell and everything it started: closing the attach connection does not (Docker keeps
   * an exec running with nobody attached). Hang up the shell's session, then kill what is left.
   */
  terminate(): Promise<ExecTermination>;
}

/** A live connection to one engine: the engine client, and how to close what carries it. */
export interface EngineConnection {
  engine: Engine;
  close(): void;
  /** Fires with a reason when the transport (the SSH tunnel) dies on its own. */
  onClosed?(cb: (reason: string) => void): void;
}

/** One SSH hop: the target, or the jump host in front of it. */
export interface SshHop {
  host: string;
  port?: number;
  username: string;
  /** PEM or OpenSSH private key text. */
  privateKey?: string;
  passphrase?: string;
  password?: string;
  /** Pinned host key, `SHA256:<base64 without padding>` as `ssh-keygen -lf` prints it; null = unknown. */
  hostKeyFingerprint?: string | null;
}

/** How the fleet reaches engines (adapters/engine.connect.ts, handed in by fleet.module.ts). */
export interface EngineConnectors {
  local(hostId: string, socketPath: string): Promise<EngineConnection>;
  ssh(
    hostId: string,
    target: SshHop & {
      jump?: SshHop;
      readyTimeoutMs?: number;
      keepaliveIntervalMs?: number;
      keepaliveCountMax?: number;
    },
    socketPath: string,
  ): Promise<EngineConnection>;
}
