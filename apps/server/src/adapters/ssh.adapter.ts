import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { inspect } from 'node:util';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type Docker from 'dockerode';
import type { SshHop } from '../modules/fleet/engine.port';
import { HostKeyMismatchError, HostKeyUnknownError } from '../lib/adapter-errors';
import { badRequest, errorMessage, UpstreamError } from '../lib/errors';

export { HostKeyMismatchError, HostKeyUnknownError } from '../lib/adapter-errors';

/**
 * SSH to a remote host with ssh2, to reach its Docker engine through a forwarded unix socket (no
 * Docker TCP socket exposed). Host keys are always verified: against a pinned fingerprint, or — with
 * no pin — the connection is refused with the presented fingerprint so an admin can confirm it.
 * Nothing is trusted on first use automatically.
 */

/** One SSH hop (the target or a jump host): the fleet's port names the shape. */
export type SshEndpoint = SshHop;

export interface SshConnectOptions extends SshEndpoint {
  /** Reach the target through this host (connect to it, then forward a TCP channel to the target). */
  jump?: SshEndpoint;
  /** Handshake + auth must finish within this; default 10 s. */
  readyTimeoutMs?: number;
  /** Keepalive probe interval; default 5 s. With `keepaliveCountMax` 2 a dead host is noticed in < 10 s... */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** OpenSSH's fingerprint of a raw public key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export const sshFingerprint = (keyBlob: Buffer): string =>
  `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;

const hostPort = (e: SshEndpoint) => `${e.host}:${e.port ?? 22}`;
export const sshUpstream = (e: SshEndpoint): string => `ssh://${e.username}@${hostPort(e)}`;

function validateEndpoint(e: SshEndpoint, what: string): void {
  if (!e.host || /[\s/@]/.test(e.host)) throw badRequest(`${what}: invalid host "${e.host}"`);
  if (e.port !== undefined && (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535))
    throw badRequest(`${what}: port must be 1..65535`);
  if (!e.username || /[\s@:]/.test(e.username)) throw badRequest(`${what}: invalid username`);
  if (e.hostKeyFingerprint != null && !FINGERPRINT.test(e.hostKeyFingerprint))
    throw badRequest(`${what}: host key fingerprint must look like SHA256:<43 base64 characters>`);
  if (e.privateKey === undefined && e.password === undefined)
    throw badRequest(`${what}: a private key or a password is required`);
}

/**
 * Opens one authenticated, host-verified SSH connection. `sock` carries it over a jump channel.
 * Resolves with the ready client; rejects with HostKeyUnknownError / HostKeyMismatchError /
 * UpstreamError (auth, timeout, unreachable).
 */
function connectClient(e: SshEndpoint, opts: SshConnectOptions, sock?: Duplex): Promise<Client> {
  const upstream = sshUpstream(e);
  const hp = hostPort(e);
  const client = new Client();
  let hostKeyError: Error | undefined;
  const config: ConnectConfig = {
    host: e.host,
    port: e.port ?? 22,
    username: e.username,
    readyTimeout: opts.readyTimeoutMs ?? 10_000,
    keepaliveInterval: opts.keepaliveIntervalMs ?? 5_000,
    keepaliveCountMax: opts.keepaliveCountMax ?? 2,
    // Never consult an ssh-agent or ~/.ssh: only the credentials of this host record.
    agent: undefined,
    tryKeyboard: false,
    hostVerifier: (key: Buffer): boolean => {
      const got = sshFingerprint(key);
      const pinned = e.hostKeyFingerprint;
      if (pinned == null) hostKeyError = new HostKeyUnknownError(hp, got);
      else if (pinned !== got) hostKeyError = new HostKeyMismatchError(upstream, hp, pinned, got);
      return hostKeyError === undefined;
    },
  };
  if (e.privateKey !== undefined) config.privateKey = e.privateKey;
  if (e.passphrase !== undefined) config.passphrase = e.passphrase;
  if (e.password !== undefined) config.password = e.password;
  if (sock) config.sock = sock;

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (hostKeyError) return fail(hostKeyError);
      fail(mapConnectError(upstream, err));
    });
    client.once('close', () => {
      fail(
        hostKeyError ??
          new UpstreamError(upstream, `SSH connection to ${upstream} closed during the handshake.`),
      );
    });
    try {
      client.connect(config);
    } catch (err) {
      // ssh2 throws synchronously on an unparsable private key.
      fail(badRequest(`The SSH private key for ${upstream} cannot be used: ${errorMessage(err)}`));
    }
  });
}

function mapConnectError(upstream: string, err: Error & { level?: string; code?: string }): Error {
  if (err.level === 'client-authentication') {
    return new UpstreamError(
      upstream,
      `SSH authentication failed for ${upstream}: the server refused the configured key or password.`,
      { cause: err },
    );
  }
  if (err.level === 'client-timeout') {
    return new UpstreamError(upstream, `SSH to ${upstream} timed out during the handshake.`, {
      timeout: true,
      cause: err,
    });
  }
  return new UpstreamError(upstream, `SSH to ${upstream} failed: ${err.message}`, { cause: err });
}

/** Node's Socket methods http may call on its connection; an SSH channel lacks some of them. */
function socketLike(ch: Duplex): Duplex {
  const s = ch as Duplex & Record<string, unknown>;
  for (const m of ['setNoDelay', 'setKeepAlive', 'setTimeout', 'ref', 'unref']) {
    if (typeof s[m] !== 'function') s[m] = () => s;
  }
  return ch;
}

/**
 * An http.Agent whose connections are channels to a remote unix socket over the tunnel, so that
 * dockerode/docker-modem speaks the Engine API to the remote engine unchanged.
 */
class TunnelAgent extends http.Agent {
  constructor(
    private readonly tunnel: SshTunnel,
    private readonly socketPath: string,
  ) {
    super({ keepAlive: false });
  }

  /**
   * docker-modem logs every request with util.inspect(options, {showHidden, depth: null}), even with
   * debugging off. Without this, that walked the whole SSH client through the agent — every open
   * channel and its buffers — making each Engine API call slower with every open log view or shell
   * (measured: a ping went from ~20 ms to ~225 ms with five log streams open; ~2 ms with this).
   */
  [inspect.custom](): string {
    return `TunnelAgent(${this.socketPath} via ${this.tunnel.upstream})`;
  }

  // Returning nothing tells http.Agent the connection arrives later, through the callback.
  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    this.tunnel.openStreamLocal(this.socketPath).then(
      (ch) => callback?.(null, socketLike(ch)),
      (err: unknown) =>
        callback?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex),
    );
    return undefined;
  }
}

export interface SshTunnelEvents {
  closed: [reason: string];
}

/** One SSH connection (optionally through a jump host). Emits `closed` once, with the reason. */
export class SshTunnel extends EventEmitter<SshTunnelEvents> {
  readonly upstream: string;
  private closedReason: string | null = null;
  private readonly channels = new Set<ClientChannel>();

  private constructor(
    private readonly client: Client,
    private readonly jumpClient: Client | null,
    upstream: string,
  ) {
    super();
    this.upstream = upstream;
    const onGone = (which: string) => (err?: Error) => {
      this.markClosed(
        err
          ? `SSH connection ${which} lost: ${err.message}`
          : `SSH connection ${which} closed by the remote side`,
      );
    };
    client.on('error', onGone(`to ${upstream}`));
    client.on('close', () => onGone(`to ${upstream}`)());
    if (jumpClient) {
      jumpClient.on('error', onGone('to the jump host'));
      jumpClient.on('close', () => onGone('to the jump host')());
    }
  }

  static async connect(opts: SshConnectOptions): Promise<SshTunnel> {
    validateEndpoint(opts, 'SSH host');
    if (opts.jump) validateEndpoint(opts.jump, 'SSH jump host');
    const upstream = sshUpstream(opts);
    if (!opts.jump) return new SshTunnel(await connectClient(opts, opts), null, upstream);

    const jump = await connectClient(opts.jump, opts);
    try {
      const jumpUp = sshUpstream(opts.jump);
      const sock = await new Promise<ClientChannel>((resolve, reject) => {
        jump.forwardOut('127.0.0.1', 0, opts.host, opts.port ?? 22, (err, ch) => {
          if (err) {
            reject(
              new UpstreamError(
                upstream,
                `Jump host ${jumpUp} could not reach ${hostPort(opts)}: ${err.message}`,
                {
                  cause: err,
                },
              ),
            );
          } else resolve(ch);
        });
      });
      return new SshTunnel(await connectClient(opts, opts, sock), jump, upstream);
    } catch (err) {
      jump.end();
      throw err;
    }
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  /** Why the tunnel closed, or null while it is up. */
  get reason(): string | null {
    return this.closedReason;
  }

  /** A channel to a unix socket on the remote host (OpenSSH `streamlocal` forwarding). */
  openStreamLocal(socketPath: string): Promise<ClientChannel> {
    if (this.closedReason !== null)
      return Promise.reject(new UpstreamError(this.upstream, this.closedReason));
    return new Promise((resolve, reject) => {
      this.client.openssh_forwardOutStreamLocal(socketPath, (err, ch) => {
        if (err) {
          reject(
            new UpstreamError(
              this.upstream,
              `${this.upstream} refused to forward to ${socketPath}: ${err.message} (the SSH server needs AllowStreamLocalForwarding; with many open log views or shells its MaxSessions, 10 by default, may be reached)`,
              { cause: err },
            ),
          );
          return;
        }
        this.channels.add(ch);
        ch.once('close', () => this.channels.delete(ch));
        resolve(ch);
      });
    });
  }

  /** dockerode options that reach the remote engine's unix socket through this tunnel. */
  dockerModemOptions(socketPath = '/var/run/docker.sock'): Docker.DockerOptions & { agent: http.Agent } {
    // socketPath keeps docker-modem from using DOCKER_HOST or a TCP address; the agent supplies the
    // connection, so nothing local is dialled.
    return { socketPath, agent: new TunnelAgent(this, socketPath) };
  }

  close(): void {
    for (const ch of this.channels) ch.destroy();
    this.channels.clear();
    this.markClosed('closed by Airlock');
    this.client.end();
    this.jumpClient?.end();
  }

  private markClosed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const ch of this.channels) ch.destroy();
    this.channels.clear();
    // Either side going means the whole path is gone.
    this.client.end();
    this.jumpClient?.end();
    this.emit('closed', reason);
  }
}
