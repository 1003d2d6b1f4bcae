import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorBody } from '@airlock/contract/errors';
import { AppError, InternalError, RateLimited, UpstreamError, publicMessage } from '../lib/errors';

/**
 * The one place an error becomes an HTTP answer, in the one shape (`ErrorBody`) with the request's
 * correlation id. Our own errors say who is at fault by their class (lib/errors.ts); Fastify's own
 * (body too large, wrong media type, its 4xx) are translated; anything else is a bug, logged in full
 * and answered with nothing but the correlation id.
 */
export function errorHandling(fastify: FastifyInstance, defaultBodyLimit: number): void {
  fastify.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    let body: ErrorBody;
    let status: number;
    if (err instanceof AppError) {
      status = err.status;
      const internal = err instanceof InternalError;
      body = {
        code: err.code,
        message: publicMessage(err, req.id),
        correlationId: req.id,
        ...(err.details !== undefined && !internal ? { details: err.details } : {}),
      };
      if (err instanceof UpstreamError) {
        body.details = {
          upstream: err.upstream,
          ...(typeof err.details === 'object' && err.details ? err.details : {}),
        };
        req.log.warn({ err, upstream: err.upstream }, 'upstream failed');
      } else if (status >= 500) req.log.error({ err }, 'internal error');
      // The connection stays open: closing it under a client still uploading (push ingest is
      // refused before its body is read) makes curl report a broken pipe instead of this 429.
      if (err instanceof RateLimited) void reply.header('retry-after', String(err.retryAfterSeconds));
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = {
        code: 'payload_too_large',
        message: `Body is larger than the ${req.routeOptions.bodyLimit ?? defaultBodyLimit} bytes allowed here.`,
        correlationId: req.id,
      };
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      body = {
        code: 'validation_failed',
        message: 'Send the body as application/json.',
        correlationId: req.id,
      };
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      body = { code: 'validation_failed', message: err.message, correlationId: req.id };
    } else {
      status = 500;
      req.log.error({ err }, 'unhandled error');
      body = {
        code: 'internal',
        message: `Internal error; quote correlation id ${req.id} when reporting it.`,
        correlationId: req.id,
      };
    }
    return reply.code(status).send(body);
  });

  fastify.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      code: 'not_found',
      message: `No route ${req.method} ${req.url.split('?')[0]}.`,
      correlationId: req.id,
    }),
  );
}
