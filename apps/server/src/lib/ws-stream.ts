import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import { AppError, InternalError } from './errors';

// The two shapes every live socket of the deck takes: a pump of lines (logs today, session
// transcripts next) and a terminal bridge (the container shell today, session attach next). Routes
// hand them a source and say what to send at the end; backpressure, batching, close codes and
// clean-up live here once.

/** A socket that cannot keep up is closed rather than buffered without bound. */
export const MAX_BUFFERED = 4 * 1024 * 1024;
/** RFC 6455 "try again later": the client was too slow to keep up and may reconnect. */
export const CLOSE_TOO_SLOW = 1013;

/** Sends one JSON control message if the socket is still open; a closed socket drops it. */
export function sendJson(socket: WebSocket, msg: object): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
}

/**
 * A text frame read as one of a socket's control messages, or null when it is not JSON or not one
 * of them (the caller decides whether that is an error answer or a close).
 */
export function readControl<S extends z.ZodType>(schema: S, text: string): z.infer<S> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const msg = schema.safeParse(parsed);
  return msg.success ? msg.data : null;
}

/**
 * The `{type: 'error'}` message for a failure: an AppError's own words; an InternalError's or any
 * other error's message stays on the server (it may name files, queries or secrets).
 */
export function errorMessageFor(err: unknown): { type: 'error'; code: string; message: string } {
  return err instanceof AppError && !(err instanceof InternalError)
    ? { type: 'error', code: err.code, message: err.message }
    : { type: 'error', code: 'internal', message: 'Internal error.' };
}

export interface LinePumpOptions<T> {
  /** Flush a batch after this long without reaching `batchItems` (ms). */
  batchMs?: number;
  batchItems?: number;
  /** The message carrying one batch. */
  frame: (items: T[]) => object;
  /** The message sent when the source ends normally (not when the client went away). */
  end: () => object;
  maxBuffered?: number;
}

/**
 * Streams items from `open(signal)` to the socket in batches (one message per `batchMs` or per
 * `batchItems`, whichever comes first, so a burst is not one frame per line). The source is
 * aborted when the socket closes; a client whose unsent data passes `maxBuffered` is closed with
 * 1013 instead of growing the deck's memory. An error becomes an `error` message; the socket is
 * closed (1000) when the pump is done.
 */
export async function pumpLines<T>(
  socket: WebSocket,
  open: (signal: AbortSignal) => Promise<AsyncIterable<T>>,
  opts: LinePumpOptions<T>,
): Promise<void> {
  const { batchMs = 50, batchItems = 500, maxBuffered = MAX_BUFFERED } = opts;
  const ctrl = new AbortController();
  socket.on('close', () => ctrl.abort());
  let batch: T[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!batch.length || ctrl.signal.aborted) return;
    if (socket.bufferedAmount > maxBuffered) {
      socket.close(CLOSE_TOO_SLOW, 'client too slow');
      ctrl.abort();
      return;
    }
    sendJson(socket, opts.frame(batch));
    batch = [];
  };
  try {
    const items = await open(ctrl.signal);
    for await (const item of items) {
      if (ctrl.signal.aborted) break;
      batch.push(item);
      if (batch.length >= batchItems) flush();
      else timer ??= setTimeout(flush, batchMs);
    }
    flush();
    if (!ctrl.signal.aborted) sendJson(socket, opts.end());
  } catch (err) {
    flush();
    if (!ctrl.signal.aborted) sendJson(socket, errorMessageFor(err));
  } finally {
    if (timer) clearTimeout(timer);
    ctrl.abort();
    if (socket.readyState === socket.OPEN) socket.close(1000);
  }
}

export interface TtyBridgeOptions {
  /** A text frame from the client (JSON control messages such as resize). */
  onControl: (text: string) => void;
  /**
   * Called once, however the bridge ends (the stream ended or failed, or the socket closed for any
   * reason). Its answer is sent before the socket is closed, when the socket is still open.
   */
  onEnd: () => Promise<object | null>;
  maxBuffered?: number;
}

/**
 * Joins a terminal stream and a socket: binary frames carry the terminal's bytes both ways, text
 * frames carry control messages. Output pauses while the client is more than `maxBuffered` behind
 * and resumes once it is half drained. The stream is expected paused (so nothing it said is lost
 * before this listens) and is resumed here. Resolves once the bridge has ended and the socket is
 * closed.
 */
export function bridgeTty(socket: WebSocket, stream: Duplex, opts: TtyBridgeOptions): Promise<void> {
  const maxBuffered = opts.maxBuffered ?? MAX_BUFFERED;
  let ended = false;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const finish = async () => {
    if (ended) return;
    ended = true;
    stream.destroy();
    try {
      const last = await opts.onEnd();
      if (last) sendJson(socket, last);
    } finally {
      if (socket.readyState === socket.OPEN) socket.close(1000);
      done();
    }
  };
  stream.on('data', (chunk: Buffer) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxBuffered) stream.pause();
    socket.send(chunk, { binary: true }, () => {
      if (socket.bufferedAmount < maxBuffered / 2 && stream.isPaused()) stream.resume();
    });
  });
  stream.on('end', () => void finish());
  stream.on('close', () => void finish());
  stream.on('error', () => void finish());
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (ended) return;
    if (isBinary) stream.write(data);
    else opts.onControl(data.toString('utf8'));
  });
  socket.on('close', () => void finish());
  stream.resume();
  // The client may have gone while the terminal was being opened: its 'close' has already fired.
  if (socket.readyState === socket.CLOSING || socket.readyState === socket.CLOSED) void finish();
  return finished;
}
