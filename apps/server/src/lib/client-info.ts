import type { FastifyRequest } from 'fastify';

/**
 * What services may know about the caller's connection. Services take this instead of Fastify's
 * request, so they stay testable without HTTP and cannot reach into headers they should not read.
 */
export interface ClientInfo {
  /** Client address (X-Forwarded-For only from a trusted proxy). */
  ip: string;
  userAgent: string | null;
  /** 'https' when TLS was used, directly or at a trusted proxy. */
  protocol: 'http' | 'https';
  /** The host (and port) the client addressed, from Host (or a trusted proxy's X-Forwarded-Host). */
  host: string;
}

export function clientInfo(req: FastifyRequest): ClientInfo {
  return {
    ip: req.ip,
    userAgent: req.headers['user-agent']?.slice(0, 300) ?? null,
    protocol: req.protocol === 'https' ? 'https' : 'http',
    host: req.host,
  };
}
