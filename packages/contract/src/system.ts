import { z } from 'zod';
import { endpoint } from './endpoint';

/** The egress gateway process: while it is not `up`, nothing leaves any sandbox (fail closed). */
export const GatewayHealth = z.object({
  state: z.enum(['up', 'starting', 'down', 'disabled']),
  since: z.string(),
  /** Why it is down (its last exit, or what failed). */
  reason: z.string().nullable(),
  /** Hosts dialled at a configured test address instead of their DNS answer (`gateway.upstreamOverrides`). */
  upstreamOverrides: z.array(z.string()),
});
export type GatewayHealth = z.infer<typeof GatewayHealth>;

export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptimeSeconds: z.number(),
  gateway: GatewayHealth,
});
export type Health = z.infer<typeof Health>;

export const Ready = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()),
});
export type Ready = z.infer<typeof Ready>;

export const Ok = z.object({ ok: z.literal(true) });
export type Ok = z.infer<typeof Ok>;

export const systemApi = {
  health: endpoint({
    path: '/api/health',
    guard: 'public',
    summary: 'Liveness: the process answers.',
    tags: ['system'],
    response: Health,
  }),
  ready: endpoint({
    path: '/api/ready',
    guard: 'public',
    summary: 'Readiness: the store answers. 503 when not ready.',
    tags: ['system'],
    response: Ready,
  }),
  openapi: endpoint({
    path: '/api/openapi.json',
    guard: 'public',
    summary: 'This API as an OpenAPI 3.1 document; each operation names its guard in x-airlock-guard.',
    tags: ['system'],
    // The document is generated from this very catalog; its shape is OpenAPI's, not ours to restate.
    response: z.record(z.string(), z.unknown()),
  }),
};
