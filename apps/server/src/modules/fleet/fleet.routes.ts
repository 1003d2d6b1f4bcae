import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import {
  ActionBody,
  ActionParams,
  ActionResponse,
  ContainerDetail,
  ContainerList,
  ContainerListQuery,
  ContainerParams,
  ContainerStats,
  ExecClientMessage,
  ExecQuery,
  LogsQuery,
  type ExecServerMessage,
  type LogLine,
  type LogsServerMessage,
} from '@airlock/contract/fleet';
import { INGEST_MAX_BYTES, IngestAccepted } from '@airlock/contract/ingest';
import { z } from 'zod';
import { AppError, errorMessage, unauthenticated } from '../../lib/errors';
import type { RouteTable } from '../../lib/route';
import type { HostRecord } from '../hosts/hosts.model';
import type { HostsService } from '../hosts/hosts.service';
import type { FleetService } from './fleet.service';

/** A socket that cannot keep up is closed rather than buffered without bound. */
const MAX_BUFFERED = 4 * 1024 * 1024;
const LOG_BATCH_MS = 50;
const LOG_BATCH_LINES = 500;

const DownloadQuery = z
  .object({ tail: z.coerce.number().int().min(0).max(100_000).default(10_000) })
  .strict();

function sendJson(socket: WebSocket, msg: LogsServerMessage | ExecServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
}

const errorCode = (err: unknown) => (err instanceof AppError ? err.code : 'internal');
const errorText = (err: unknown) => (err instanceof AppError ? err.message : 'Internal error.');

export function fleetRoutes(routes: RouteTable, fleet: FleetService, hosts: HostsService): void {
  routes.add({
    method: 'GET',
    url: '/api/containers',
    guard: 'viewer',
    summary: 'Every container on every host: filter by host/state/health/status, search, sort (red first).',
    tags: ['fleet'],
    query: ContainerListQuery,
    response: ContainerList,
    handler: ({ query, reply }) =>
      Promise.resolve(reply.type('application/json; charset=utf-8').send(fleet.listJson(query))),
  });
  routes.add({
    method: 'GET',
    url: '/api/containers/:hostId/:id',
    guard: 'viewer',
    summary: 'One container in detail: state, health log, ports, networks, mounts, env (masked), labels.',
    tags: ['fleet'],
    params: ContainerParams,
    response: ContainerDetail,
    handler: ({ params }) => fleet.detail(params.hostId, params.id),
  });
  routes.add({
    method: 'GET',
    url: '/api/containers/:hostId/:id/stats',
    guard: 'viewer',
    summary: 'A resource snapshot (engine hosts: live; push hosts: from the last report).',
    tags: ['fleet'],
    params: ContainerParams,
    response: ContainerStats,
    handler: ({ params }) => fleet.stats(params.hostId, params.id),
  });
  routes.add({
    method: 'POST',
    url: '/api/containers/:hostId/:id/actions/:verb',
    guard: 'operator',
    summary: 'start | stop | restart | pause | unpause a container on an engine host (audited).',
    tags: ['fleet'],
    params: ActionParams,
    body: ActionBody,
    response: ActionResponse,
    handler: ({ auth, params }) => fleet.action(auth!, params.hostId, params.id, params.verb),
  });
  routes.add({
    method: 'POST',
    url: '/api/containers/:hostId/:id/actions/remove',
    guard: 'admin+unlock',
    summary: 'Remove a stopped container; `confirm` must be its name (audited).',
    tags: ['fleet'],
    params: ContainerParams,
    body: ActionBody,
    response: ActionResponse,
    handler: ({ auth, params, body }) =>
      fleet.action(auth!, params.hostId, params.id, 'remove', body.confirm),
  });

  routes.ws({
    url: '/api/containers/:hostId/:id/logs',
    guard: 'viewer',
    summary:
      'Logs (WebSocket): the last `tail` lines, then live lines with `follow`. Messages: LogsServerMessage.',
    tags: ['fleet'],
    params: ContainerParams,
    query: LogsQuery,
    handler: async (socket, { params, query }) => {
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
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/containers/:hostId/:id/logs/download',
    guard: 'viewer',
    summary: 'The last `tail` log lines as a text file ("<time> <stream> <line>").',
    tags: ['fleet'],
    params: ContainerParams,
    query: DownloadQuery,
    handler: async ({ params, query, reply }) => {
      const lines = await fleet.logs(params.hostId, params.id, {
        tail: query.tail,
        follow: false,
        timestamps: true,
      });
      const out: string[] = [];
      for await (const l of lines) out.push(`${l.ts ?? '-'} ${l.stream} ${l.line}`);
      const safeName = params.id.replace(/[^A-Za-z0-9_.-]/g, '_');
      return reply
        .type('text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename="${safeName}.log"`)
        .send(out.join('\n') + (out.length ? '\n' : ''));
    },
  });

  routes.ws({
    url: '/api/containers/:hostId/:id/exec',
    guard: 'operator+unlock',
    summary:
      'Interactive shell (WebSocket): binary frames are terminal bytes; text frames ExecClientMessage / ExecServerMessage. Audited.',
    tags: ['fleet'],
    params: ContainerParams,
    query: ExecQuery,
    handler: async (socket, { auth, params, query }) => {
      let opened: Awaited<ReturnType<FleetService['exec']>>;
      try {
        opened = await fleet.exec(auth!, params.hostId, params.id, query.cols, query.rows);
      } catch (err) {
        sendJson(socket, { type: 'error', code: errorCode(err), message: errorText(err) });
        socket.close(1000);
        return;
      }
      const { session } = opened;
      const end = (code: number | null) => opened.end(code);
      const stream = session.stream;
      let closed = false;
      const finish = async () => {
        if (closed) return;
        closed = true;
        stream.destroy();
        const code = await session.exitCode();
        sendJson(socket, { type: 'exit', code });
        if (socket.readyState === socket.OPEN) socket.close(1000);
        await end(code);
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
    },
  });

  // ---- push ingest ------------------------------------------------------------------------------

  const ingestHosts = new WeakMap<FastifyRequest, HostRecord>();
  routes.add({
    method: 'POST',
    url: '/api/ingest/docker',
    guard: 'public',
    summary:
      'A push-agent report (`Authorization: Bearer <host token>`); stored as data only. 401 unknown token, 400 malformed, 413 too large.',
    tags: ['fleet', 'ingest'],
    bodyLimit: INGEST_MAX_BYTES,
    // parseReport reads the report only through zod object schemas (ingest.parse.ts).
    plainJsonBody: true,
    response: IngestAccepted,
    status: 202,
    // The token is checked before the body is read: junk from strangers is never parsed.
    onRequest: async (req) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const host = m?.[1] ? await hosts.hostForToken(m[1]) : null;
      if (!host)
        throw unauthenticated(
          'Unknown or missing host token: send `Authorization: Bearer <host token>` (Settings → Hosts shows or rotates it).',
        );
      ingestHosts.set(req, host);
    },
    handler: ({ req }) => {
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
  });
}
