import { z } from 'zod';
import { GUARD_EXTENSION } from '@airlock/contract/openapi';
import { ErrorBody } from '@airlock/contract/errors';
import type { RouteEntry } from '../../lib/route';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  } catch {
    return {};
  }
}

function parametersFor(entry: RouteEntry): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ['path', entry.params],
    ['query', entry.query],
  ] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (js.required ?? []).includes(name),
        schema: s,
      });
    }
  }
  return out;
}

/** OpenAPI 3.1 document generated from the route table's zod schemas, guards included. */
export function buildOpenApi(entries: readonly RouteEntry[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorRef = {
    description: 'Error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  for (const e of entries) {
    if (!e.url.startsWith('/api/')) continue;
    const p = e.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: e.summary,
      tags: e.tags,
      [GUARD_EXTENSION]: e.guard,
      parameters: parametersFor(e),
      responses: {
        [String(e.status)]: e.response
          ? {
              description: 'Success',
              content: { 'application/json': { schema: jsonSchema(e.response, 'output') } },
            }
          : { description: e.websocket ? 'Switching to WebSocket' : 'Success' },
        default: errorRef,
      },
    };
    if (e.websocket) op['x-websocket'] = true;
    if (e.body)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(e.body, 'input') } },
      };
    if (e.guard !== 'public') op.security = [{ session: [] }, { bearer: [] }];
    (paths[p] ??= {})[e.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Airlock API', version },
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'airlock_session',
          description: 'Plus header x-csrf-token on state-changing requests.',
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'API token alk_<id>_<secret>.' },
      },
    },
  };
}
