import { z } from 'zod';
import { endpoint } from './endpoint';

/** Docker's container states, exactly as the Engine API reports them (`State.Status`). */
export const ContainerState = z.enum([
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
]);
export type ContainerState = z.infer<typeof ContainerState>;

/** Healthcheck state; `none` when the container has no healthcheck. */
export const Health = z.enum(['healthy', 'unhealthy', 'starting', 'none']);
export type Health = z.infer<typeof Health>;

/** The at-a-glance class (issue 3): red sorts first and is unmistakable. */
export const StatusClass = z.enum(['green', 'amber', 'red']);
export type StatusClass = z.infer<typeof StatusClass>;

/** A full Docker container id: 64 lowercase hex characters. */
export const ContainerId = z.string().regex(/^[0-9a-f]{64}$/, 'a container id is 64 hex characters');

/**
 * A reference to a container as a caller may send it: an id (full or prefix) or a name, in Docker's
 * own charset. Refuses shell metacharacters, whitespace, slashes and therefore `..` path segments
 * (a leading `.` is refused by the first-character rule; `..` anywhere is refused explicitly).
 */
export const ContainerRef = z
  .string()
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/,
    'a container reference is an id or a name: letters, digits, "_", "." and "-", starting with a letter or digit, at most 128 characters',
  )
  .refine((s) => !s.includes('..'), 'a container reference may not contain ".."');
export type ContainerRef = z.infer<typeof ContainerRef>;

export const PortMapping = z.object({
  privatePort: z.number().int(),
  publicPort: z.number().int().nullable(),
  ip: z.string().nullable(),
  type: z.enum(['tcp', 'udp', 'sctp']),
});
export type PortMapping = z.infer<typeof PortMapping>;

export const ContainerSummary = z.object({
  hostId: z.string().min(1),
  id: ContainerId,
  name: z.string(),
  image: z.string(),
  state: ContainerState,
  health: Health,
  status: StatusClass,
  /** Short human text: why red or amber ("unhealthy", "exited with code 1", "OOM-killed" ...); "running" when green. */
  statusReason: z.string(),
  exitCode: z.number().int().nullable(),
  oomKilled: z.boolean(),
  restartCount: z.number().int().nonnegative(),
  /** ISO time the container last started; null if it never started. */
  startedAt: z.iso.datetime({ offset: true }).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  labels: z.record(z.string(), z.string()),
  ports: z.array(PortMapping),
});
export type ContainerSummary = z.infer<typeof ContainerSummary>;

/** The only lifecycle verbs the deck offers (an allowlist; `remove` is admin + unlock). */
export const ContainerVerb = z.enum(['start', 'stop', 'restart', 'pause', 'unpause', 'remove']);
export type ContainerVerb = z.infer<typeof ContainerVerb>;

export const HealthLogEntry = z.object({
  start: z.string(),
  end: z.string(),
  exitCode: z.number().int(),
  output: z.string(),
});
export type HealthLogEntry = z.infer<typeof HealthLogEntry>;

export const ContainerMount = z.object({
  type: z.string(),
  source: z.string(),
  destination: z.string(),
  mode: z.string(),
  rw: z.boolean(),
  name: z.string().nullable(),
});
export type ContainerMount = z.infer<typeof ContainerMount>;

export const ContainerNetwork = z.object({
  name: z.string(),
  ipAddress: z.string(),
  gateway: z.string(),
  macAddress: z.string(),
  aliases: z.array(z.string()),
});
export type ContainerNetwork = z.infer<typeof ContainerNetwork>;

export const EnvVar = z.object({ name: z.string(), value: z.string(), masked: z.boolean() });
export type EnvVar = z.infer<typeof EnvVar>;

/** The detail view: the summary plus state detail, mounts, networks, env (masked) and command. */
export const ContainerDetail = ContainerSummary.extend({
  state: ContainerState,
  error: z.string(),
  finishedAt: z.iso.datetime({ offset: true }).nullable(),
  pid: z.number().int(),
  healthLog: z.array(HealthLogEntry),
  failingStreak: z.number().int(),
  restartPolicy: z.string(),
  mounts: z.array(ContainerMount),
  networks: z.array(ContainerNetwork),
  env: z.array(EnvVar),
  cmd: z.array(z.string()),
  entrypoint: z.array(z.string()),
  tty: z.boolean(),
});
export type ContainerDetail = z.infer<typeof ContainerDetail>;

/** A container event from an engine's events stream (type=container). */
export const ContainerEvent = z.object({
  id: z.string(),
  /** The container's name from the event's attributes, when Docker sent it. */
  name: z.string().nullable(),
  /** Docker's action, e.g. "start", "die", "health_status: unhealthy". */
  action: z.string(),
  /** Event time, unix milliseconds. */
  time: z.number(),
});
export type ContainerEvent = z.infer<typeof ContainerEvent>;

export const LogLine = z.object({
  stream: z.enum(['stdout', 'stderr']),
  /** ISO timestamp from Docker when requested, else null. */
  ts: z.string().nullable(),
  line: z.string(),
});
export type LogLine = z.infer<typeof LogLine>;

/** One resource snapshot. Numbers are null when the source did not say (e.g. a stopped container). */
export const ContainerStats = z.object({
  at: z.string(),
  cpuPercent: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  memoryLimitBytes: z.number().nullable(),
  memoryPercent: z.number().nullable(),
  netRxBytes: z.number().nullable(),
  netTxBytes: z.number().nullable(),
  blockReadBytes: z.number().nullable(),
  blockWriteBytes: z.number().nullable(),
  pids: z.number().int().nullable(),
});
export type ContainerStats = z.infer<typeof ContainerStats>;

// ---- HTTP: the container list -------------------------------------------------------------------

export const ContainerSort = z.enum(['status', 'name', 'host', 'image', 'state', 'uptime', 'restarts']);
export type ContainerSort = z.infer<typeof ContainerSort>;

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .max(2048)
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(item));

export const ContainerListQuery = z
  .object({
    /** Comma-separated host ids. */
    host: csv(
      z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a host id is letters, digits, "_" and "-"'),
    ).optional(),
    state: csv(ContainerState).optional(),
    health: csv(Health).optional(),
    status: csv(StatusClass).optional(),
    /** Case-insensitive substring of name, image, or a label key or value. */
    q: z.string().max(256).optional(),
    /** Default `status`: red first, then amber, then green; ties by name. */
    sort: ContainerSort.default('status'),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.coerce.number().int().min(1).max(20000).default(20000),
  })
  .strict();
export type ContainerListQuery = z.infer<typeof ContainerListQuery>;

export const ContainerList = z.object({
  items: z.array(ContainerSummary),
  /** Matching containers before `limit`. */
  total: z.number().int(),
  /** Counts over the whole fleet, unfiltered, for the header. */
  counts: z.object({ red: z.number().int(), amber: z.number().int(), green: z.number().int() }),
});
export type ContainerList = z.infer<typeof ContainerList>;

export const ContainerParams = z.object({
  hostId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a host id is letters, digits, "_" and "-"'),
  id: ContainerRef,
});
export type ContainerParams = z.infer<typeof ContainerParams>;

/** Verbs an operator may run (remove has its own route: admin + unlock). */
export const OperatorVerb = z.enum(['start', 'stop', 'restart', 'pause', 'unpause']);
export type OperatorVerb = z.infer<typeof OperatorVerb>;

export const ActionParams = ContainerParams.extend({ verb: OperatorVerb });

export const ActionBody = z
  .object({
    /** remove only: the container's name, typed by the user to confirm. */
    confirm: z.string().max(256).optional(),
  })
  .strict();
export type ActionBody = z.infer<typeof ActionBody>;

export const ActionResponse = z.object({
  verb: ContainerVerb,
  changed: z.boolean(),
  /** The container after the action (null after remove). */
  container: ContainerSummary.nullable(),
});
export type ActionResponse = z.infer<typeof ActionResponse>;

// ---- WS: logs (`/api/containers/:hostId/:id/logs`) -----------------------------------------------

export const LogsQuery = z
  .object({
    tail: z.coerce.number().int().min(0).max(10000).default(200),
    follow: z
      .enum(['0', '1', 'true', 'false'])
      .default('1')
      .transform((v) => v === '1' || v === 'true'),
    timestamps: z
      .enum(['0', '1', 'true', 'false'])
      .default('1')
      .transform((v) => v === '1' || v === 'true'),
  })
  .strict();
export type LogsQuery = z.infer<typeof LogsQuery>;

export const LogsServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('lines'), lines: z.array(LogLine) }),
  /** The stream ended: the container stopped (follow) or the tail was sent (no follow). */
  z.object({ type: z.literal('end'), reason: z.string() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type LogsServerMessage = z.infer<typeof LogsServerMessage>;

// ---- WS: exec shell (`/api/containers/:hostId/:id/exec`) -----------------------------------------
// Binary frames carry terminal bytes both ways; text frames carry these JSON control messages.

export const ExecQuery = z
  .object({
    cols: z.coerce.number().int().min(1).max(1000).default(80),
    rows: z.coerce.number().int().min(1).max(1000).default(24),
  })
  .strict();
export type ExecQuery = z.infer<typeof ExecQuery>;

export const ExecClientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('resize'),
    cols: z.number().int().min(1).max(1000),
    rows: z.number().int().min(1).max(1000),
  }),
]);
export type ExecClientMessage = z.infer<typeof ExecClientMessage>;

export const ExecServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), shell: z.string() }),
  z.object({ type: z.literal('exit'), code: z.number().int().nullable() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ExecServerMessage = z.infer<typeof ExecServerMessage>;

// ---- the endpoints -------------------------------------------------------------------------------

export const LogsDownloadQuery = z
  .object({ tail: z.coerce.number().int().min(0).max(100_000).default(10_000) })
  .strict();
export type LogsDownloadQuery = z.infer<typeof LogsDownloadQuery>;

export const fleetApi = {
  list: endpoint({
    path: '/api/containers',
    guard: 'viewer',
    summary: 'Every container on every host: filter by host/state/health/status, search, sort (red first).',
    tags: ['fleet'],
    query: ContainerListQuery,
    response: ContainerList,
  }),
  detail: endpoint({
    path: '/api/containers/:hostId/:id',
    guard: 'viewer',
    summary: 'One container in detail: state, health log, ports, networks, mounts, env (masked), labels.',
    tags: ['fleet'],
    params: ContainerParams,
    response: ContainerDetail,
  }),
  stats: endpoint({
    path: '/api/containers/:hostId/:id/stats',
    guard: 'viewer',
    summary: 'A resource snapshot (engine hosts: live; push hosts: from the last report).',
    tags: ['fleet'],
    params: ContainerParams,
    response: ContainerStats,
  }),
  action: endpoint({
    method: 'POST',
    path: '/api/containers/:hostId/:id/actions/:verb',
    guard: 'operator',
    summary: 'start | stop | restart | pause | unpause a container on an engine host (audited).',
    tags: ['fleet'],
    params: ActionParams,
    body: ActionBody,
    response: ActionResponse,
  }),
  remove: endpoint({
    method: 'POST',
    path: '/api/containers/:hostId/:id/actions/remove',
    guard: 'admin+unlock',
    summary: 'Remove a stopped container; `confirm` must be its name (audited).',
    tags: ['fleet'],
    params: ContainerParams,
    body: ActionBody,
    response: ActionResponse,
  }),
  logs: endpoint({
    path: '/api/containers/:hostId/:id/logs',
    guard: 'viewer',
    kind: 'websocket',
    summary:
      'Logs (WebSocket): the last `tail` lines, then live lines with `follow`. Messages: LogsServerMessage.',
    tags: ['fleet'],
    params: ContainerParams,
    query: LogsQuery,
    serverMessage: LogsServerMessage,
  }),
  logsDownload: endpoint({
    path: '/api/containers/:hostId/:id/logs/download',
    guard: 'viewer',
    kind: 'text',
    summary: 'The last `tail` log lines as a text file ("<time> <stream> <line>").',
    tags: ['fleet'],
    params: ContainerParams,
    query: LogsDownloadQuery,
  }),
  exec: endpoint({
    path: '/api/containers/:hostId/:id/exec',
    guard: 'operator+unlock',
    kind: 'websocket',
    summary:
      'Interactive shell (WebSocket): binary frames are terminal bytes; text frames ExecClientMessage / ExecServerMessage. Audited.',
    tags: ['fleet'],
    params: ContainerParams,
    query: ExecQuery,
    serverMessage: ExecServerMessage,
    clientMessage: ExecClientMessage,
  }),
};
