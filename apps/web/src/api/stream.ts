import type { z } from 'zod';
import { StreamMessage, streamApi } from '@airlock/contract/stream';

export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type StreamType = StreamMessage['type'];
export type StreamMessageOf<T extends StreamType> = Extract<StreamMessage, { type: T }>;

const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/** Exponential backoff with full jitter in the upper half, so many tabs do not reconnect in lockstep. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Same-origin WebSocket URL (ws: or wss: to match the page): cookies and CSP stay as for HTTP. */
export function wsUrl(path: string, loc: Location = window.location): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}${path}`;
}

export function streamUrl(loc: Location = window.location): string {
  return wsUrl(streamApi.stream.path, loc);
}

/**
 * A text frame checked against the contract, or null: frames that are binary, not JSON or of an
 * unknown shape are dropped, so a newer server can add messages an open page does not know yet.
 */
export function parseSocketMessage<T>(schema: z.ZodType<T>, data: unknown): T | null {
  if (typeof data !== 'string') return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

type AnyHandler = (msg: StreamMessage) => void;

/**
 * One WebSocket to `/api/stream`, shared by every page. Messages are validated against the
 * contract and dispatched by `type`; unknown types are dropped so the server can add new ones.
 */
export class StreamConnection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private current: StreamStatus = 'closed';
  private readonly handlers = new Map<StreamType, Set<AnyHandler>>();
  private readonly statusListeners = new Set<() => void>();
  private readonly openListeners = new Set<(reconnected: boolean) => void>();
  private everOpened = false;

  constructor(private readonly url: string = streamUrl()) {}

  get status(): StreamStatus {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close(1000);
    }
    this.setStatus('closed');
  }

  subscribe<T extends StreamType>(type: T, handler: (msg: StreamMessageOf<T>) => void): () => void {
    const set = this.handlers.get(type) ?? new Set<AnyHandler>();
    this.handlers.set(type, set);
    const h = handler as AnyHandler;
    set.add(h);
    return () => {
      set.delete(h);
    };
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  /** Fires on every successful open; `reconnected` is true after a drop (events may have been missed). */
  onOpen(listener: (reconnected: boolean) => void): () => void {
    this.openListeners.add(listener);
    return () => {
      this.openListeners.delete(listener);
    };
  }

  private setStatus(s: StreamStatus): void {
    if (s === this.current) return;
    this.current = s;
    for (const l of this.statusListeners) l();
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus(this.attempt === 0 && !this.everOpened ? 'connecting' : 'reconnecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setStatus('open');
      for (const l of this.openListeners) l(reconnected);
    };
    ws.onmessage = (ev: MessageEvent) => this.dispatch(ev.data);
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      this.scheduleReconnect();
    };
    // Errors are always followed by close; reconnecting happens there.
    ws.onerror = () => undefined;
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setStatus('reconnecting');
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private dispatch(data: unknown): void {
    const msg = parseSocketMessage(StreamMessage, data);
    if (!msg) return;
    if (msg.type === 'ping') this.ws?.send(JSON.stringify({ type: 'pong' }));
    for (const h of this.handlers.get(msg.type) ?? []) {
      try {
        h(msg);
      } catch (err) {
        // One broken subscriber must not starve the others.
        console.error('stream handler failed', err);
      }
    }
  }
}
