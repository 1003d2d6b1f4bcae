// The egress gateway as a supervised child process. It parses everything a sandbox sends, so it runs
// apart from the server (DESIGN.md, "Least privilege per process"). The control token goes to it on
// stdin; the server then connects to `<home>/run/gateway.sock`, says hello, configures it and tells
// the sessions module it is up (which re-sends every policy). If it dies it is restarted with backoff,
// and until it is back every call rejects with Unavailable: nothing leaves a sandbox meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import path from 'node:path';
import {
  ControlReply,
  SessionListResult,
  SessionPutResult,
  type ControlRequest,
  type GatewayEvent,
  type GatewayLimits,
  type SessionPolicy,
} from '@airlock/contract/gateway';
import type { GatewayHealth } from '@airlock/contract/system';
import { Unavailable } from '../lib/errors';
import type { Gateway } from '../modules/sessions/gateway.port';

export interface GatewayProcessOptions {
  home: string;
  /** argv of the gateway (`[node, apps/gateway/dist/main.js]`); `--home` is appended. */
  command: string[];
  upstreamOverrides: Record<string, { address: string; ca?: string | undefined }>;
  extraCaFile?: string | undefined;
  limits: GatewayLimits;
  log: { info(msg: string): void; warn(msg: string): void };
}

const ACK_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 10_000;
/** Up this long and the next failure starts the backoff from the beginning again. */
const STABLE_MS = 30_000;

type Payload = ControlRequest extends infer R ? (R extends { seq: number } ? Omit<R, 'seq'> : never) : never;

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class GatewayProcess implements Gateway {
  private child: ChildProcess | null = null;
  private control: Socket | null = null;
  private state: GatewayHealth['state'] = 'starting';
  private since = new Date().toISOString();
  private reason: string | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners: Array<(e: GatewayEvent) => void> = [];
  private readonly upListeners: Array<() => void> = [];
  private readonly healthListeners: Array<(h: GatewayHealth) => void> = [];
  private stopping = false;
  private backoff = 250;
  private upAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly configure: Payload;

  constructor(private readonly opts: GatewayProcessOptions) {
    // Read once, at start: a file that cannot be read is a configuration error, said at once.
    const readCa = (file: string) => readFileSync(path.resolve(opts.home, file), 'utf8');
    this.configure = {
      type: 'configure',
      upstreamOverrides: Object.fromEntries(
        Object.entries(opts.upstreamOverrides).map(([host, o]) => [
          host,
          { address: o.address, ...(o.ca ? { caPem: readCa(o.ca) } : {}) },
        ]),
      ),
      ...(opts.extraCaFile ? { extraCaPem: readCa(opts.extraCaFile) } : {}),
      limits: opts.limits,
    };
  }

  /** The gateway's pid while it runs (tests kill it to prove the deck fails closed). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    this.stopping = false;
    this.spawnOnce();
  }

  health(): GatewayHealth {
    return {
      state: this.state,
      since: this.since,
      reason: this.reason,
      upstreamOverrides: Object.keys(this.opts.upstreamOverrides).sort(),
    };
  }

  socketRoot(): string {
    return path.join(this.opts.home, 'run', 'sessions');
  }

  onEvent(listener: (e: GatewayEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onUp(listener: () => void): void {
    this.upListeners.push(listener);
  }

  onHealth(listener: (h: GatewayHealth) => void): void {
    this.healthListeners.push(listener);
  }

  async putSession(id: string, policy: SessionPolicy): Promise<SessionPutResult> {
    return SessionPutResult.parse(await this.request({ type: 'session.put', id, policy }));
  }

  async removeSession(id: string): Promise<void> {
    await this.request({ type: 'session.remove', id });
  }

  async listSessions(): Promise<string[]> {
    return SessionListResult.parse(await this.request({ type: 'session.list' })).ids;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.control?.destroy();
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private setState(state: GatewayHealth['state'], reason: string | null): void {
    if (state === this.state && reason === this.reason) return;
    if (state !== this.state) this.since = new Date().toISOString();
    this.state = state;
    this.reason = reason;
    const health = this.health();
    for (const l of this.healthListeners) l(health);
  }

  private request(payload: Payload, allowBeforeUp = false): Promise<unknown> {
    const control = this.control;
    if (!control || (!allowBeforeUp && this.state !== 'up'))
      return Promise.reject(
        new Unavailable(
          `The egress gateway is ${this.state}${this.reason ? ` (${this.reason})` : ''}; no sandbox traffic leaves until it is back.`,
        ),
      );
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new Unavailable('The egress gateway did not answer within 10 s.'));
      }, ACK_TIMEOUT_MS);
      this.pending.set(seq, { resolve, reject, timer });
      control.write(JSON.stringify({ ...payload, seq }) + '\n');
    });
  }

  private failPending(reason: string): void {
    for (const [seq, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Unavailable(`The egress gateway went away: ${reason}`));
      this.pending.delete(seq);
    }
  }

  private spawnOnce(): void {
    this.setState('starting', this.reason);
    const token = randomBytes(32).toString('base64url');
    const [cmd, ...args] = this.opts.command;
    const child = spawn(cmd!, [...args, '--home', this.opts.home], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.stdout.setEncoding('utf8');
    let out = '';
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('ready\n')) {
        out = '';
        this.connect(token).catch((err: unknown) => {
          this.opts.log.warn(`gateway control connection failed: ${(err as Error).message}`);
          child.kill('SIGKILL');
        });
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(token + '\n');
    child.once('error', (err) => this.onExit(child, `could not start: ${err.message}`));
    child.once('exit', (code, signal) => {
      const last = stderr.trim().split('\n').slice(-1)[0] ?? '';
      this.onExit(child, `exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ''}`);
    });
  }

  private async connect(token: string): Promise<void> {
    const socket = net.connect(path.join(this.opts.home, 'run', 'gateway.sock'));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    this.control = socket;
    socket.setEncoding('utf8');
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        this.onReply(line);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.control === socket) this.control = null;
      this.failPending('its control connection closed');
      if (!this.stopping) this.child?.kill('SIGKILL');
    });
    await this.request({ type: 'hello', token, protocol: 1 }, true);
    await this.request(this.configure, true);
    this.setState('up', null);
    this.upAt = Date.now();
    this.opts.log.info(`gateway up (pid ${this.child?.pid})`);
    for (const l of this.upListeners) l();
  }

  private onReply(line: string): void {
    let parsed: ControlReply;
    try {
      parsed = ControlReply.parse(JSON.parse(line));
    } catch {
      this.opts.log.warn('gateway sent a control line that is not valid; ignored');
      return;
    }
    if (parsed.type === 'event') {
      for (const l of this.eventListeners) l(parsed.event);
      return;
    }
    const p = this.pending.get(parsed.seq);
    if (!p) return;
    this.pending.delete(parsed.seq);
    clearTimeout(p.timer);
    if (parsed.ok) p.resolve(parsed.result);
    else p.reject(new GatewayRefused(parsed.error.message));
  }

  private onExit(child: ChildProcess, reason: string): void {
    if (this.child !== child) return;
    this.child = null;
    this.control?.destroy();
    this.control = null;
    this.failPending(reason);
    if (this.stopping) return this.setState('down', 'stopped');
    this.setState('down', reason);
    if (this.upAt && Date.now() - this.upAt > STABLE_MS) this.backoff = 250;
    this.opts.log.warn(`gateway ${reason}; restarting in ${this.backoff} ms`);
    this.restartTimer = setTimeout(() => this.spawnOnce(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
  }
}

/** The gateway refused a control message (it said why); a bug on our side, not the user's. */
export class GatewayRefused extends Error {}

/** When `gateway.enabled` is false: sessions cannot start, and health says so. */
export class NoGateway implements Gateway {
  private readonly since = new Date().toISOString();
  constructor(private readonly home: string) {}
  health(): GatewayHealth {
    return {
      state: 'disabled',
      since: this.since,
      reason: 'gateway.enabled is false',
      upstreamOverrides: [],
    };
  }
  socketRoot(): string {
    return path.join(this.home, 'run', 'sessions');
  }
  private refuse(): Promise<never> {
    return Promise.reject(
      new Unavailable(
        'The egress gateway is disabled (gateway.enabled: false); sealed sessions cannot start.',
      ),
    );
  }
  putSession(): Promise<SessionPutResult> {
    return this.refuse();
  }
  removeSession(): Promise<void> {
    return Promise.resolve();
  }
  listSessions(): Promise<string[]> {
    return Promise.resolve([]);
  }
  onEvent(): void {}
  onUp(): void {}
  onHealth(): void {}
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
