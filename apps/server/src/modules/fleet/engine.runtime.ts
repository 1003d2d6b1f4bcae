import type { ContainerDetail } from '@airlock/contract/fleet';
import { EngineAnswerTooLarge, HostKeyMismatchError, HostKeyUnknownError } from '../../lib/adapter-errors';
import type { Engine, EngineConnection } from './engine.port';
import { errorMessage, UpstreamError, UserError } from '../../lib/errors';
import { HostRuntime, type RuntimeSink } from './host.runtime';

export type { EngineConnection } from './engine.port';

export type Connector = () => Promise<EngineConnection>;

export interface EngineTiming {
  /** How often the engine is pinged while connected. */
  heartbeatMs: number;
  /** A ping slower than this fails. */
  pingTimeoutMs: number;
  /**
   * Consecutive failed pings before the host is unreachable: one slow answer from a busy engine is
   * "degraded", not "down" (seen under load in CI: one timed-out ping flapped a healthy host).
   */
  failuresBeforeUnreachable: number;
  /** A ping slower than this marks the host degraded. */
  slowMs: number;
  /** Full list as a safety net (events are the primary source). */
  resyncMs: number;
  /** First retry after a failure; doubles up to maxBackoffMs. */
  minBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * Worst case for a hung engine: a beat starts up to `heartbeatMs` after the last good one, times out
 * after `pingTimeoutMs`, and the next (`failuresBeforeUnreachable`-th) does the same:
 * 1.5 + 3 + 3 = 7.5 s, inside the 10 s the issue allows. A dead SSH connection is noticed sooner,
 * by the tunnel closing.
 */
export const DEFAULT_TIMING: EngineTiming = {
  heartbeatMs: 1_500,
  pingTimeoutMs: 3_000,
  failuresBeforeUnreachable: 2,
  slowMs: 1_500,
  resyncMs: 60_000,
  minBackoffMs: 1_000,
  maxBackoffMs: 30_000,
};

/** Docker actions that do not change what the fleet shows (healthchecks alone emit exec_* every interval). */
const IGNORED_ACTION = /^(exec_|attach|detach|resize|top|archive-path|extract-to-dir|copy|export|commit)/;

/**
 * Watches one engine (local socket or over SSH): connect, list, then follow the events stream; a
 * heartbeat ping notices a dead or hung engine within heartbeat + timeout; any failure marks the host
 * unreachable with the reason and reconnects with backoff. Never throws into the caller.
 */
export class EngineRuntime extends HostRuntime {
  private conn: EngineConnection | null = null;
  private ctrl: AbortController | null = null;
  private wake: (() => void) | null = null;
  private reconnectNow = false;
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  /**
   * Why the host is degraded by an answer that passed its cap (list, inspect, stats, logs, ...), or
   * null. It outlives slow or missed pings, and ends with the connection or when a full listing is
   * read within its caps again.
   */
  private tooLarge: string | null = null;

  constructor(
    hostId: string,
    sink: RuntimeSink,
    private readonly connect: Connector,
    private readonly timing: EngineTiming,
    private readonly warn: (msg: string, err?: unknown) => void,
  ) {
    super(hostId, sink);
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.ctrl?.abort(new Error('host removed'));
    this.wake?.();
  }

  /** Drop the connection and connect again now (after a fix, or a confirmed host key). */
  reconnect(): void {
    // Connect again at once, without the failure backoff (and without calling it a failure).
    this.reconnectNow = true;
    this.ctrl?.abort(new Error('reconnect requested'));
    this.wake?.();
  }

  /** The engine, or an UpstreamError saying why the host cannot be reached. */
  engine(label: string): Engine {
    if (!this.conn || this.status.state === 'unreachable' || this.status.state === 'pending') {
      throw new UpstreamError(
        `host:${this.hostId}`,
        `Host "${label}" is ${this.status.state === 'pending' ? 'not connected yet' : 'unreachable'}${
          this.status.reason ? `: ${this.status.reason}` : ''
        }`,
      );
    }
    return this.conn.engine;
  }

  /** Re-reads one container from the engine (after an action, or to serve fresh detail). */
  async refresh(id: string): Promise<ContainerDetail | null> {
    const engine = this.conn?.engine;
    if (!engine) return this.containers.get(id) ?? null;
    try {
      const d = await engine.inspect(id, this.hostId);
      this.upsert(d);
      return d;
    } catch (err) {
      if (err instanceof UserError && err.status === 404) {
        this.drop(id);
        return null;
      }
      throw err;
    }
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const ctrl = new AbortController();
      this.ctrl = ctrl;
      this.reconnectNow = false;
      let reason = '';
      try {
        await this.session(ctrl);
        reason = ctrl.signal.aborted ? errorMessage(ctrl.signal.reason) : 'the events stream ended';
        attempt = 0;
      } catch (err) {
        reason = ctrl.signal.aborted ? errorMessage(ctrl.signal.reason) : errorMessage(err);
        if (err instanceof HostKeyUnknownError || err instanceof HostKeyMismatchError) {
          // Shown to the admin to compare and confirm (a rebuilt host presents a new key). The ssh
          // connector tags errors that came from the jump host.
          const jump = (err as Error & { jump?: boolean }).jump === true;
          if (jump) this.presentedJumpFingerprint = err.fingerprint;
          else this.presentedFingerprint = err.fingerprint;
        }
        if (!(err instanceof UpstreamError) && !(err instanceof UserError))
          this.warn('engine watcher failed', err);
      } finally {
        ctrl.abort();
        this.conn?.close();
        this.conn = null;
      }
      if (this.stopped) break;
      if (this.reconnectNow) {
        this.reconnectNow = false;
        attempt = 0;
        this.setStatus('pending', 'Reconnecting (requested by an operator).');
        continue;
      }
      this.setStatus('unreachable', reason);
      const delay = Math.min(
        this.timing.maxBackoffMs,
        this.timing.minBackoffMs * 2 ** Math.min(attempt++, 10),
      );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One connected period: returns or throws when it ends. */
  private async session(ctrl: AbortController): Promise<void> {
    const conn = await this.connect();
    this.conn = conn;
    this.tooLarge = null;
    // Whoever asked (the list here, a viewer's stats or logs): the host shows it was fed too much.
    conn.engine.onAnswerTooLarge((err) => {
      if (this.conn !== conn) return;
      this.tooLarge = err.message;
      if (this.status.state !== 'unreachable') this.setStatus('degraded', err.message);
    });
    this.presentedFingerprint = null;
    this.presentedJumpFingerprint = null;
    conn.onClosed?.((why) => ctrl.abort(new Error(why)));
    if (ctrl.signal.aborted) return;
    await conn.engine.ping(this.timing.pingTimeoutMs);
    this.beatFailures = 0;
    // Events first, then the list: nothing that happens in between is missed.
    const events = await conn.engine.events(ctrl.signal);
    try {
      this.replaceAll(await conn.engine.list(this.hostId));
    } catch (err) {
      // The engine answers and streams events; only its list is unreadable. Stay connected and
      // degraded (the listener set the reason); the resync tries again.
      if (!(err instanceof EngineAnswerTooLarge)) throw err;
    }
    this.settle();

    const heartbeat = setInterval(() => void this.beat(conn, ctrl), this.timing.heartbeatMs);
    const resync = setInterval(() => void this.resync(conn), this.timing.resyncMs);
    try {
      for await (const ev of events) {
        if (IGNORED_ACTION.test(ev.action)) continue;
        if (ev.action === 'destroy') {
          this.drop(ev.id);
          continue;
        }
        this.queueRefresh(ev.id);
      }
    } finally {
      clearInterval(heartbeat);
      clearInterval(resync);
    }
  }

  private beatInFlight = false;
  private beatFailures = 0;
  private async beat(conn: EngineConnection, ctrl: AbortController): Promise<void> {
    if (this.beatInFlight || ctrl.signal.aborted) return;
    this.beatInFlight = true;
    const t0 = performance.now();
    try {
      await conn.engine.ping(this.timing.pingTimeoutMs);
      this.beatFailures = 0;
      const ms = performance.now() - t0;
      if (ms > this.timing.slowMs)
        this.setStatus('degraded', `The engine answered slowly (${(ms / 1000).toFixed(1)} s).`);
      else if (this.status.state === 'degraded' && this.status.reason.startsWith('The engine '))
        this.settle();
    } catch (err) {
      if (++this.beatFailures >= this.timing.failuresBeforeUnreachable) {
        ctrl.abort(new Error(`The engine stopped answering: ${errorMessage(err)}`));
      } else {
        this.setStatus('degraded', `The engine did not answer a health check: ${errorMessage(err)}`);
      }
    } finally {
      this.beatInFlight = false;
    }
  }

  private async resync(conn: EngineConnection): Promise<void> {
    try {
      const items = await conn.engine.list(this.hostId);
      const seen = new Set<string>();
      for (const c of items) {
        seen.add(c.id);
        const old = this.containers.get(c.id);
        if (!old || JSON.stringify(old) !== JSON.stringify(c)) this.upsert(c);
      }
      for (const id of [...this.containers.keys()]) if (!seen.has(id)) this.drop(id);
      const wasTooLarge = this.tooLarge !== null;
      this.tooLarge = null;
      if (this.status.state === 'degraded' && (wasTooLarge || this.status.reason.startsWith('Resync failed')))
        this.settle();
    } catch (err) {
      if (err instanceof EngineAnswerTooLarge) return;
      if (this.status.state === 'connected')
        this.setStatus('degraded', `Resync failed: ${errorMessage(err)}`);
    }
  }

  /** Connected, unless an answer that passed its cap still stands. */
  private settle(): void {
    if (this.tooLarge) this.setStatus('degraded', this.tooLarge);
    else this.setStatus('connected');
  }

  private queueRefresh(id: string): void {
    if (this.refreshing.has(id)) {
      this.dirty.add(id);
      return;
    }
    const p = this.refresh(id)
      .then(() => undefined)
      .catch((err: unknown) => this.warn(`refreshing container ${id.slice(0, 12)} failed`, err))
      .finally(() => {
        this.refreshing.delete(id);
        if (this.dirty.delete(id)) this.queueRefresh(id);
      });
    this.refreshing.set(id, p);
  }
}
