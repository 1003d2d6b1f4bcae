import { z } from 'zod';
import { endpoint } from './endpoint';
import { BlockEvent } from './gateway';
import { Ok } from './system';

/**
 * Sealed sessions (issue 9): a sandbox with no network but its one socket to the gateway, under a
 * profile's policy. This issue gives them an API (create, exec, remove); the interactive agent
 * experience comes next.
 */

export const SessionState = z.enum(['starting', 'running', 'failed', 'lost']);
export type SessionState = z.infer<typeof SessionState>;

/** A refused request as the API shows it: the gateway's block event without its envelope. */
export const SessionBlock = BlockEvent.omit({ kind: true, session: true });
export type SessionBlock = z.infer<typeof SessionBlock>;

export const Session = z.object({
  id: z.string(),
  profileId: z.string(),
  profileName: z.string(),
  runtime: z.enum(['docker', 'bubblewrap']),
  state: SessionState,
  /** Why it failed or was lost, when it did. */
  stateReason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  blockedCount: z.number().int(),
  recentBlocks: z.array(SessionBlock),
});
export type Session = z.infer<typeof Session>;

export const SessionList = z.object({ items: z.array(Session) });

const workdirName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a work dir name is lower-case letters, digits, ".", "_" and "-"');

export const CreateSessionBody = z.strictObject({
  /** The profile, by name or id. */
  profile: z.string().min(1).max(64),
  /** A named work dir under `$AIRLOCK_HOME/work/`, kept after the session; default: one of its own. */
  workdir: workdirName.optional(),
});
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

// Ids are made by the server (`s-` + 16 hex); anything else is refused before it reaches a path or a query.
export const SessionParams = z.object({
  id: z.string().regex(/^s-[0-9a-z]{1,32}$/, 'a session id looks like s-0123456789abcdef'),
});

export const ExecBody = z.strictObject({
  argv: z.array(z.string().max(65536)).min(1, 'argv needs the program to run').max(4096),
  /** Given to the process as its standard input (UTF-8). */
  stdin: z
    .string()
    .max(4 * 1024 * 1024)
    .optional(),
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
});
export type ExecBody = z.infer<typeof ExecBody>;

export const ExecResult = z.object({
  /** Null when the process was killed at its timeout. */
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  timedOut: z.boolean(),
});
export type ExecResult = z.infer<typeof ExecResult>;

export const Orphan = z.object({
  kind: z.enum(['sandbox', 'socket', 'policy']),
  sessionId: z.string(),
  /** The sandbox handle, the socket directory, or the gateway session. */
  detail: z.string(),
});
export type Orphan = z.infer<typeof Orphan>;
export const OrphanList = z.object({ items: z.array(Orphan) });
export const CleanupResult = z.object({ removed: z.array(Orphan) });

export const sessionsApi = {
  list: endpoint({
    path: '/api/sessions',
    guard: 'viewer',
    summary: 'Sealed sessions, newest first.',
    tags: ['sessions'],
    response: SessionList,
  }),
  get: endpoint({
    path: '/api/sessions/:id',
    guard: 'viewer',
    summary: 'One session, with its block count and most recent blocks.',
    tags: ['sessions'],
    params: SessionParams,
    response: Session,
  }),
  create: endpoint({
    method: 'POST',
    path: '/api/sessions',
    guard: 'operator',
    summary: "Start a sealed sandbox under a profile's policy.",
    tags: ['sessions'],
    body: CreateSessionBody,
    response: Session,
    status: 201,
  }),
  exec: endpoint({
    method: 'POST',
    path: '/api/sessions/:id/exec',
    guard: 'operator',
    summary: 'Run a command inside the sandbox as its user, with its environment; output is capped.',
    tags: ['sessions'],
    params: SessionParams,
    body: ExecBody,
    response: ExecResult,
  }),
  remove: endpoint({
    method: 'DELETE',
    path: '/api/sessions/:id',
    guard: 'operator',
    summary: 'Stop and remove the sandbox, its socket and its gateway policy.',
    tags: ['sessions'],
    params: SessionParams,
    response: Ok,
  }),
  orphans: endpoint({
    path: '/api/sessions/orphans',
    guard: 'admin',
    summary: 'Sandboxes, sockets and gateway policies that belong to no known session.',
    tags: ['sessions'],
    response: OrphanList,
  }),
  cleanup: endpoint({
    method: 'POST',
    path: '/api/sessions/orphans/cleanup',
    guard: 'admin+unlock',
    summary: 'Remove every orphan listed by GET /api/sessions/orphans.',
    tags: ['sessions'],
    response: CleanupResult,
  }),
};
