import { z } from 'zod';
import { ContainerState, Health, type ContainerDetail, type PortMapping } from '@airlock/contract/fleet';
import { classify } from './classify';
import { maskArgv, maskEnv, maskedValue } from './mask';

/**
 * Docker's container inspect document (Engine API and `docker inspect` print the same shape), only
 * the fields the deck uses, validated; and its mapping to the contract's ContainerDetail. Pure: shared
 * by the engine adapter and push-agent ingest, so a container reads the same however it arrived.
 */

// No transforms here (Docker's `null` for "none" is handled by the mapper): a transform costs a
// pipe per field, and this schema runs for every container of every push report.
const StringRecord = z.record(z.string(), z.string());
const nullableArray = <T extends z.ZodType>(item: T) => z.array(item).nullish();

const HealthSchema = z.object({
  Status: Health,
  FailingStreak: z.number().int().optional(),
  Log: nullableArray(
    z.object({ Start: z.string(), End: z.string(), ExitCode: z.number().int(), Output: z.string() }),
  ),
});

export const InspectSchema = z.object({
  Id: z.string().regex(/^[0-9a-f]{64}$/),
  Name: z.string(),
  Created: z.string(),
  RestartCount: z.number().int().nonnegative(),
  State: z.object({
    Status: ContainerState,
    Restarting: z.boolean(),
    OOMKilled: z.boolean(),
    Dead: z.boolean(),
    Pid: z.number().int(),
    ExitCode: z.number().int(),
    Error: z.string().optional(),
    StartedAt: z.string(),
    FinishedAt: z.string(),
    Health: HealthSchema.nullish(),
  }),
  Config: z.object({
    Image: z.string(),
    Tty: z.boolean().optional(),
    Env: nullableArray(z.string()),
    Cmd: z.union([z.array(z.string()), z.string()]).nullish(),
    Entrypoint: z.union([z.array(z.string()), z.string()]).nullish(),
    Labels: StringRecord.nullish(),
  }),
  HostConfig: z.object({ RestartPolicy: z.object({ Name: z.string().optional() }).nullish() }).nullish(),
  Mounts: nullableArray(
    z.object({
      Type: z.string().optional(),
      Name: z.string().optional(),
      Source: z.string().optional(),
      Destination: z.string(),
      Mode: z.string().optional(),
      RW: z.boolean().optional(),
    }),
  ),
  NetworkSettings: z
    .object({
      Ports: z
        .record(z.string(), z.array(z.object({ HostIp: z.string(), HostPort: z.string() })).nullable())
        .nullish(),
      Networks: z
        .record(
          z.string(),
          z.object({
            IPAddress: z.string().optional(),
            Gateway: z.string().optional(),
            MacAddress: z.string().optional(),
            Aliases: z.array(z.string()).nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
export type Inspect = z.infer<typeof InspectSchema>;

/** Docker writes "0001-01-01T00:00:00Z" for "never". */
const RFC3339_UTC = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

export function dockerTime(s: string): string | null {
  if (!s || s.startsWith('0001-01-01')) return null;
  // Docker's usual UTC form, normalised to milliseconds without building a Date (hot in ingest).
  const m = RFC3339_UTC.exec(s);
  if (m) return `${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function portsOf(info: Inspect): PortMapping[] {
  const ports: PortMapping[] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const [portStr, proto] = key.split('/');
    const privatePort = Number(portStr);
    const type = proto === 'udp' || proto === 'sctp' ? proto : 'tcp';
    if (!Number.isInteger(privatePort)) continue;
    if (!bindings || bindings.length === 0) ports.push({ privatePort, publicPort: null, ip: null, type });
    for (const b of bindings ?? []) {
      ports.push({ privatePort, publicPort: Number(b.HostPort) || null, ip: b.HostIp || null, type });
    }
  }
  return ports;
}

const NONE: readonly never[] = [];

/** Cmd / Entrypoint (exec form, or a string in old engines), secrets in arguments masked. */
function argv(v: string[] | string | null | undefined): string[] {
  if (v == null) return [];
  return maskArgv(Array.isArray(v) ? v : [v]);
}

/** Maps one validated inspect document; throws an Error naming the bad field when a time is unusable. */
export function inspectToDetail(hostId: string, info: Inspect): ContainerDetail {
  const health = info.State.Health;
  const healthStatus = health?.Status ?? 'none';
  const startedAt = dockerTime(info.State.StartedAt);
  // A container that never started has no exit code (Docker reports 0).
  const exitCode = startedAt === null ? null : info.State.ExitCode;
  const { status, reason } = classify({
    state: info.State.Status,
    health: healthStatus,
    exitCode,
    oomKilled: info.State.OOMKilled,
    restartCount: info.RestartCount,
    restarting: info.State.Restarting,
  });
  const createdAt = dockerTime(info.Created);
  if (createdAt === null) throw new Error(`invalid Created time "${info.Created}"`);
  const labels: Record<string, string> = {};
  const rawLabels = info.Config.Labels ?? {};
  // Keys come from a zod record, which drops `__proto__`.
  for (const k in rawLabels) labels[k] = maskedValue(k, rawLabels[k]!);
  return {
    hostId,
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    state: info.State.Status,
    health: healthStatus,
    status,
    statusReason: reason,
    exitCode,
    oomKilled: info.State.OOMKilled,
    restartCount: info.RestartCount,
    startedAt,
    createdAt,
    labels,
    ports: portsOf(info),
    error: info.State.Error ?? '',
    finishedAt: dockerTime(info.State.FinishedAt),
    pid: info.State.Pid,
    healthLog: (health?.Log ?? NONE).map((l) => ({
      start: l.Start,
      end: l.End,
      exitCode: l.ExitCode,
      output: l.Output,
    })),
    failingStreak: health?.FailingStreak ?? 0,
    restartPolicy: info.HostConfig?.RestartPolicy?.Name || 'no',
    mounts: (info.Mounts ?? NONE).map((m) => ({
      type: m.Type ?? 'unknown',
      source: m.Source ?? '',
      destination: m.Destination,
      mode: m.Mode ?? '',
      rw: m.RW ?? false,
      name: m.Name ?? null,
    })),
    networks: Object.entries(info.NetworkSettings?.Networks ?? {}).map(([name, n]) => ({
      name,
      ipAddress: n.IPAddress ?? '',
      gateway: n.Gateway ?? '',
      macAddress: n.MacAddress ?? '',
      aliases: n.Aliases ?? [],
    })),
    env: maskEnv(info.Config.Env ?? NONE),
    cmd: argv(info.Config.Cmd),
    entrypoint: argv(info.Config.Entrypoint),
    tty: info.Config.Tty ?? false,
  };
}

/**
 * An engine's inspect document, as Docker sent it, validated and described: the adapter's
 * DescribeContainer (engine.port.ts). A document that does not fit says where.
 */
export function describeContainer(hostId: string, raw: unknown): ContainerDetail {
  const r = InspectSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return inspectToDetail(hostId, r.data);
}
