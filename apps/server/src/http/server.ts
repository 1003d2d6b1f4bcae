import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import { randomUUID } from 'node:crypto';
import type { ServerConfig } from '@airlock/contract/config';
import { decodeUtf8, parseJsonBody, parsePlainJson } from '../lib/json';

/**
 * The Fastify instance every route runs in: logging with credentials redacted, a correlation id per
 * request, our own JSON parser (prototype-pollution safe, see lib/json.ts) as the only body parser,
 * cookies and WebSockets. No routes, no domain: app.ts adds those.
 */
export async function createHttpServer(
  config: ServerConfig,
  logger: boolean | object | undefined,
): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
        remove: true,
      },
    },
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    bodyLimit: config.bodyLimit,
    routerOptions: { maxParamLength: 512 },
    // URLs the router itself refuses (undecodable, a path segment over 512 characters) still get the
    // one error shape, with a correlation id.
    frameworkErrors: (err, req, rawReply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const reply = rawReply as FastifyReply;
      void reply
        .code(tooLong ? 414 : 400)
        .header('x-correlation-id', req.id)
        .send({
          code: 'validation_failed',
          message: tooLong
            ? 'A path segment is longer than the 512 characters allowed.'
            : 'The URL is not valid (a path segment could not be decoded).',
          correlationId: req.id,
        });
    },
  });

  fastify.removeAllContentTypeParsers();
  // Read as bytes and decoded strictly: Fastify's string mode turns invalid UTF-8 (a surrogate
  // encoded as ED A0 80, say) into U+FFFD, so what validation saw and what is stored would silently
  // differ from what was sent. JSON escapes ("\ud800") survive JSON.parse and are judged by zod.
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      const text = decodeUtf8(body as Buffer);
      const plain = (req.routeOptions.config as { plainJsonBody?: boolean } | undefined)?.plainJsonBody;
      done(null, plain ? parsePlainJson(text) : parseJsonBody(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  await fastify.register(cookie);
  await fastify.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  fastify.decorateRequest('auth', null);
  return fastify;
}
