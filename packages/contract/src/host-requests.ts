import { z } from 'zod';
import { Username } from './auth';

/**
 * Requests from the server host to the running server, as files in `$AIRLOCK_HOME/host-requests/`
 * (docs/SECURITY.md, "Clearing a lockout"). The CLI writes `<id>.request.json`; the server
 * takes it, acts, and answers with `<id>.reply.json`. Whoever can write into the 0700 data
 * directory is the machine's operator, whom the threat model trusts; nothing of this is reachable
 * over the network.
 */
export const HOST_REQUESTS_DIR = 'host-requests';
export const HostRequestId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'is not a request id');
export const REQUEST_SUFFIX = '.request.json';
export const REPLY_SUFFIX = '.reply.json';
/** Largest request file the server reads. */
export const MAX_HOST_REQUEST_BYTES = 4096;

export const HostRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('unlock-login'), username: Username }).strict(),
]);
export type HostRequest = z.infer<typeof HostRequest>;

export const HostReply = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** Addresses (IPv6: /64s) that were locked out of the account. */
    lockedAddresses: z.number().int().min(0),
    /** Recent failed sign-ins across addresses that were forgotten. */
    failures: z.number().int().min(0),
  }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);
export type HostReply = z.infer<typeof HostReply>;
