import { z } from 'zod';
import { Session, SessionBlock } from './sessions';
import { endpoint } from './endpoint';
import { AuditEvent } from './audit';
import { ContainerSummary } from './fleet';
import { Host } from './hosts';
import { GatewayHealth } from './system';

/**
 * Messages on the live stream (`GET /api/stream`, WebSocket). A discriminated union: every
 * message has `type`; clients ignore types they do not know, so the server can add more.
 */
export const StreamHello = z.object({ type: z.literal('hello'), serverTime: z.string() });
export const StreamAudit = z.object({ type: z.literal('audit.appended'), event: AuditEvent });
export const StreamPing = z.object({ type: z.literal('ping'), serverTime: z.string() });

/** Containers added or changed on one host. */
export const StreamContainersUpsert = z.object({
  type: z.literal('containers.upsert'),
  hostId: z.string(),
  items: z.array(ContainerSummary),
});
/** Containers gone from one host (removed, or the host was removed). */
export const StreamContainersRemove = z.object({
  type: z.literal('containers.remove'),
  hostId: z.string(),
  ids: z.array(z.string()),
});
/** The full container set of one engine host (after a (re)connect or resync): replace, don't merge. */
export const StreamContainersReplace = z.object({
  type: z.literal('containers.replace'),
  hostId: z.string(),
  items: z.array(ContainerSummary),
});
/** A host was added, edited, or its status changed. */
export const StreamHostUpdated = z.object({ type: z.literal('host.updated'), host: Host });
export const StreamHostRemoved = z.object({ type: z.literal('host.removed'), hostId: z.string() });
/** A sealed session was created, changed state or was removed (`removed: true`). */
export const StreamSessionUpdated = z.object({
  type: z.literal('session.updated'),
  session: Session,
  removed: z.boolean().optional(),
});
/** The gateway refused something a session's sandbox sent. */
export const StreamSessionBlocked = z.object({
  type: z.literal('session.blocked'),
  sessionId: z.string(),
  block: SessionBlock,
});

/** The egress gateway's health changed (the same object as `GET /api/health`'s `gateway`). */
export const StreamGatewayHealth = z.object({ type: z.literal('gateway.health'), gateway: GatewayHealth });

export const StreamMessage = z.discriminatedUnion('type', [
  StreamHello,
  StreamAudit,
  StreamPing,
  StreamContainersUpsert,
  StreamContainersRemove,
  StreamContainersReplace,
  StreamHostUpdated,
  StreamHostRemoved,
  StreamSessionUpdated,
  StreamSessionBlocked,
  StreamGatewayHealth,
]);
export type StreamMessage = z.infer<typeof StreamMessage>;

/** Messages a client may send on the stream. */
export const StreamClientMessage = z.discriminatedUnion('type', [z.object({ type: z.literal('pong') })]);
export type StreamClientMessage = z.infer<typeof StreamClientMessage>;

export const streamApi = {
  stream: endpoint({
    path: '/api/stream',
    guard: 'viewer',
    kind: 'websocket',
    summary: 'Live updates (WebSocket); messages are StreamMessage from packages/contract/stream.',
    tags: ['stream'],
    serverMessage: StreamMessage,
    clientMessage: StreamClientMessage,
  }),
};
