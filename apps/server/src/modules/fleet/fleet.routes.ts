import { Readable } from 'node:stream';
import {
  ExecClientMessage,
  fleetApi,
  type ExecServerMessage,
  type LogLine,
  type LogsServerMessage,
} from '@airlock/contract/fleet';
import { bridgeTty, errorMessageFor, pumpLines, readControl, sendJson } from '../../lib/ws-stream';
import { SENT, type RouteTable } from '../../lib/route';
import type { FleetService } from './fleet.service';
import type { DownloadGate } from './download.gate';

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

export function fleetRoutes(routes: RouteTable, fleet: FleetService, downloads: DownloadGate): void {
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

  routes.ws(fleetApi.logs, (socket, { params, query }) =>
    pumpLines<LogLine>(
      socket,
      (signal) =>
        fleet.logs(params.hostId, params.id, {
          tail: query.tail,
          follow: query.follow,
          timestamps: query.timestamps,
          signal,
        }),
      {
        frame: (lines): LogsServerMessage => ({ type: 'lines', lines }),
        end: (): LogsServerMessage => ({
          type: 'end',
          reason: query.follow
            ? 'The log stream ended: the container stopped.'
            : `Sent the last ${query.tail} lines.`,
        }),
      },
    ),
  );

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
      sendJson(socket, errorMessageFor(err));
      socket.close(1000);
      return;
    }
    const { session } = opened;
    sendJson(socket, { type: 'ready', shell: session.shell } satisfies ExecServerMessage);
    // However the shell ends (the user typed exit, Disconnect, a closed tab, a dropped connection,
    // a revoked credential), its processes are ended too and the audit says whether they are gone.
    let ending: { exitCode: number | null } & Awaited<ReturnType<typeof session.terminate>>;
    await bridgeTty(socket, session.stream, {
      onControl: (text) => {
        const msg = readControl(ExecClientMessage, text);
        if (msg) void session.resize(msg.cols, msg.rows);
        else
          sendJson(socket, {
            type: 'error',
            code: 'validation_failed',
            message: 'Unknown control message.',
          } satisfies ExecServerMessage);
      },
      onEnd: async () => {
        const termination = await session.terminate();
        ending = { exitCode: await session.exitCode(), ...termination };
        return { type: 'exit', code: ending.exitCode } satisfies ExecServerMessage;
      },
    });
    await opened.end(ending!);
  });
}
