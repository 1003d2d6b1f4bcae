import type { FastifyRequest } from 'fastify';
import { INGEST_MAX_BYTES, ingestApi } from '@airlock/contract/ingest';
import { errorMessage, unauthenticated } from '../../lib/errors';
import { sha256 } from '../../lib/crypto';
import type { RouteTable } from '../../lib/route';
import type { HostRecord, HostsService } from '../hosts/hosts.module';
import type { FleetService } from './fleet.service';
import type { IngestGate } from './ingest.gate';

/**
 * Push agents' reports: the host token and the admission gate are checked before the body is read,
 * so neither a stranger's junk nor a too-eager agent costs a parse.
 */
export function ingestRoutes(
  routes: RouteTable,
  fleet: FleetService,
  hosts: HostsService,
  gate: IngestGate,
): void {
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
