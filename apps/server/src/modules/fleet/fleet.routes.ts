import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import {
  ExecClientMessage,
  fleetApi,
  type ExecServerMessage,
  type LogLine,
  type LogsServerMessage,
} from '@airlock/contract/fleet';
import { INGEST_MAX_BYTES, ingestApi } from '@airlock/contract/ingest';
import { AppError, errorMessage, unauthenticated } from '../../lib/errors';
import { sha256 } from '../../lib/crypto';
import { SENT, type RouteTable } from '../../lib/route';
import type { HostRecord, HostsService } from '../hosts/hosts.module';
import type { FleetService } from './fleet.service';
import type { DownloadGate } from './download.gate';
import type { IngestGate } from './ingest.gate';

/** A socket that cannot keep up is closed rather than buffered without bound. */
const MAX_BUFFERED = 4 * 1024 * 1024;
const LOG_BATCH_MS = 50;
const LOG_BATCH_LINES = 500;
/** A download is written in pieces of about this many characters (one write per piece, not per line). */
const DOWNLOAD_PIECE_CHARS = 64 * 1024;

/** Log lines as the download's text, "<time> <stream> <line>\n" each, batched into pieces. */
async function* logText(lines: AsyncIterable<LogLine>): AsyncGenerator<string> {
  let piece = '';
  for await (const l of lines) {
    piece += `${l.ts ?? '-'} ${l.stream} ${l.line}\n`;
    if (piece.length >= DOWNLOAD_PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

function sendJson(socket: WebSocket, msg: LogsServerMessage | ExecServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
}

const errorCode = (err: unknown) => (err instanceof AppError ? err.code : 'internal');
const errorText = (err: unknown) => (err instanceof AppError ? err.message : 'Internal error.');

export function fleetRoutes(
  routes: RouteTable,
  fleet: FleetService,
  hosts: HostsService,
  gate: IngestGate,
  downloads: DownloadGate,
): void {
  routes.add(fleetApi.list, ({ query, reply }) => {
    // Pre-serialised and cached (FleetService.listJson): 10k rows cost most in JSON.stringify.
    void reply.type('application/json; charset=utf-8').send(fleet.listJson(query));
    return Promise.resolve(SENT);
  });
  routes.add(fleetApi.detail, ({ params }) => fleet.detail(params.hostId, params.id));
  routes.add(fleetApi.stats, ({ params }) => fleet.stats(params.hostId, params.id));
  routes.add(fleetApi.action, ({ auth, params }) =>
    fleet.action(auth, params.hostId, params.id, params.verb),
  );
  routes.add(fleetApi.remove, ({ auth, params, body }) =>
    fleet.action(auth, params.hostId, params.id, 'remove', body.confirm),
  );

  routes.ws(fleetApi.logs, async (socket, { params, query }) => {
    const ctrl = new AbortController();
    socket.on('close', () => ctrl.abort());
    let batch: LogLine[] = [];
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (!batch.length) return;
      if (socket.bufferedAmount > MAX_BUFFERED) {
        socket.close(1013, 'client too slow');
        ctrl.abort();
        return;
      }
      sendJson(socket, { type: 'lines', lines: batch });
      batch = [];
    };
    try {
      const lines = await fleet.logs(params.hostId, params.id, {
        tail: query.tail,
        follow: query.follow,
        timestamps: query.timestamps,
        signal: ctrl.signal,
      });
      for await (const line of lines) {
        batch.push(line);
        if (batch.length >= LOG_BATCH_LINES) flush();
        else timer ??= setTimeout(flush, LOG_BATCH_MS);
      }
      flush();
      if (!ctrl.signal.aborted) {
        sendJson(socket, {
          type: 'end',
          reason: query.follow
            ? 'The log stream ended: the container stopped.'
            : `Sent the last ${query.tail} lines.`,
        });
      }
    } catch (err) {
      flush();
      if (!ctrl.signal.aborted)
        sendJson(socket, { type: 'error', code: errorCode(err), message: errorText(err) });
    } finally {
      if (timer) clearTimeout(timer);
      ctrl.abort();
      if (socket.readyState === socket.OPEN) socket.close(1000);
    }
  });

  routes.add(fleetApi.logsDownload, async ({ auth, params, query, reply }) => {
    // Admitted before the engine is asked. 'close' fires once the answer is sent, when the client
    // goes away and after an error answer alike, so the slot and the engine request end with it.
    const release = downloads.admit(auth.user.id);
    const ctrl = new AbortController();
    reply.raw.once('close', () => {
      release();
      ctrl.abort();
    });
    const lines = await fleet.logsDownload(params.hostId, params.id, {
      tail: query.tail,
      signal: ctrl.signal,
    });
    const safeName = params.id.replace(/[^A-Za-z0-9_.-]/g, '_');
    // Fastify pipes the stream into the reply: while the client's socket is full, the pipe stops
    // pulling lines, so the engine's socket is not read either and memory stays at a few pieces.
    // An engine failure before the first byte is an error answer; after it, the reply is cut off
    // (an incomplete chunked body), so a truncated file never looks complete.
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="${safeName}.log"`)
      .send(Readable.from(logText(lines), { objectMode: false }));
  });

  routes.ws(fleetApi.exec, async (socket, { auth, params, query }) => {
    let opened: Awaited<ReturnType<FleetService['exec']>>;
    try {
      opened = await fleet.exec(auth, params.hostId, params.id, query.cols, query.rows);
    } catch (err) {
      sendJson(socket, { type: 'error', code: errorCode(err), message: errorText(err) });
      socket.close(1000);
      return;
    }
    const { session } = opened;
    const stream = session.stream;
    let closed = false;
    // However the shell ends (the user typed exit, Disconnect, a closed tab, a dropped connection,
    // a revoked credential), its processes are ended too and the audit says whether they are gone.
    const finish = async () => {
      if (closed) return;
      closed = true;
      stream.destroy();
      const termination = await session.terminate();
      const exitCode = await session.exitCode();
      sendJson(socket, { type: 'exit', code: exitCode });
      if (socket.readyState === socket.OPEN) socket.close(1000);
      await opened.end({ exitCode, ...termination });
    };
    sendJson(socket, { type: 'ready', shell: session.shell });
    stream.on('data', (chunk: Buffer) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED) stream.pause();
      socket.send(chunk, { binary: true }, () => {
        if (socket.bufferedAmount < MAX_BUFFERED / 2 && stream.isPaused()) stream.resume();
      });
    });
    stream.on('end', () => void finish());
    stream.on('close', () => void finish());
    stream.on('error', () => void finish());
    stream.resume(); // handed over paused so no byte is lost before the listener above
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        stream.write(data);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString('utf8'));
      } catch {
        parsed = null;
      }
      const msg = ExecClientMessage.safeParse(parsed);
      if (!msg.success) {
        sendJson(socket, { type: 'error', code: 'validation_failed', message: 'Unknown control message.' });
        return;
      }
      void session.resize(msg.data.cols, msg.data.rows);
    });
    socket.on('close', () => void finish());
  });

  // ---- push ingest ------------------------------------------------------------------------------

  const ingestHosts = new WeakMap<FastifyRequest, HostRecord>();
  routes.add(
    ingestApi.docker,
    ({ req }) => {
      const host = ingestHosts.get(req);
      if (!host) throw unauthenticated('Unknown or missing host token.');
      try {
        fleet.ingest(host, req.body);
      } catch (err) {
        req.log.info({ host: host.id, err: errorMessage(err) }, 'push report refused');
        throw err;
      }
      return Promise.resolve({ ok: true as const });
    },
    {
      bodyLimit: INGEST_MAX_BYTES,
      // parseReport reads the report only through zod object schemas (ingest.parse.ts), with the
      // field-level errors of its own, so the table neither scans nor parses it a second time.
      plainJsonBody: true,
      bodyCheckedByHandler: true,
      // The token is checked before the body is read: junk from strangers is never parsed.
      onRequest: async (req, reply) => {
        const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
        const host = m?.[1] ? await hosts.hostForToken(m[1]) : null;
        if (!host)
          throw unauthenticated(
            'Unknown or missing host token: send `Authorization: Bearer <host token>` (Settings → Hosts shows or rotates it).',
          );
        // Admitted (or refused with 429) before the body is read; the slot is held until the
        // answer is sent or the connection drops.
        if (host.kind === 'agent' && m?.[1])
          reply.raw.once('close', gate.admit(host.id, host.config.intervalSeconds, sha256(m[1])));
        ingestHosts.set(req, host);
      },
    },
  );
}
