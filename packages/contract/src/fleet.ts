import { z } from 'zod';

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
