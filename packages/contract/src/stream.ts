import { z } from 'zod';
import { AuditEvent } from './audit';

/**
 * Messages on the live stream (`GET /api/stream`, WebSocket). A discriminated union: every
 * message has `type`; clients ignore types they do not know, so the server can add more.
 */
export const StreamHello = z.object({ type: z.literal('hello'), serverTime: z.string() });
export const StreamAudit = z.object({ type: z.literal('audit.appended'), event: AuditEvent });
export const StreamPing = z.object({ type: z.literal('ping'), serverTime: z.string() });

export const StreamMessage = z.discriminatedUnion('type', [StreamHello, StreamAudit, StreamPing]);
export type StreamMessage = z.infer<typeof StreamMessage>;

/** Messages a client may send on the stream. */
export const StreamClientMessage = z.discriminatedUnion('type', [z.object({ type: z.literal('pong') })]);
export type StreamClientMessage = z.infer<typeof StreamClientMessage>;
