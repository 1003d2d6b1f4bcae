import { z } from 'zod';
import { endpoint } from './endpoint';

/**
 * What the push agent (`agent/airlock-agent.sh`) POSTs to `POST /api/ingest/docker`.
 *
 * The agent forwards Docker CLI JSON nearly verbatim: `docker ps -a --format '{{json .}}'` lines,
 * the `docker inspect` array, and one `docker stats --no-stream --format '{{json .}}'` snapshot.
 * Only the fields the deck uses are typed; everything else is kept as-is (loose objects), because
 * Docker versions add and drop fields. Secrets are masked by the agent before sending; the deck
 * stores this data only — nothing in a report is executed or rendered as HTML.
 */

/** Reports larger than this are refused with 413 (the agent also refuses to send them). */
export const INGEST_MAX_BYTES = 8 * 1024 * 1024;
/** At most this many containers (ps / inspect / stats entries) per report. */
export const INGEST_MAX_CONTAINERS = 5000;
export const INGEST_REPORT_VERSION = 1;

/** Full (64) or short (12) hex container id. */
export const ContainerId = z.string().regex(/^[0-9a-f]{12,64}$/, 'expected a hex container id');

const str = (max = 4096) => z.string().max(max);

/** One `docker ps -a --no-trunc --format '{{json .}}'` line. */
export const IngestPsEntry = z.looseObject({
  ID: ContainerId,
  Names: str(1024),
  Image: str(),
  State: str(64),
  Status: str(512),
  Command: str(65536).optional(),
  CreatedAt: str(128).optional(),
  Labels: str(262144).optional(),
  Ports: str(65536).optional(),
  Networks: str(65536).optional(),
});
export type IngestPsEntry = z.infer<typeof IngestPsEntry>;

export const IngestHealth = z.looseObject({
  Status: str(64),
  FailingStreak: z.number().int().optional(),
  Log: z
    .array(
      z.looseObject({
        Start: str(128).optional(),
        End: str(128).optional(),
        ExitCode: z.number().int().optional(),
        Output: str(65536).optional(),
      }),
    )
    .max(100)
    .nullish(),
});

export const IngestContainerState = z.looseObject({
  Status: str(64),
  Running: z.boolean().optional(),
  Paused: z.boolean().optional(),
  Restarting: z.boolean().optional(),
  OOMKilled: z.boolean().optional(),
  Dead: z.boolean().optional(),
  Pid: z.number().int().optional(),
  ExitCode: z.number().int().optional(),
  Error: str(65536).optional(),
  StartedAt: str(128).optional(),
  FinishedAt: str(128).optional(),
  Health: IngestHealth.nullish(),
});

/** One element of the `docker inspect <containers…>` array (masked env). */
export const IngestInspectEntry = z.looseObject({
  Id: ContainerId,
  Name: str(1024),
  Created: str(128),
  Image: str().optional(),
  RestartCount: z.number().int().nonnegative().optional(),
  State: IngestContainerState,
  Config: z.looseObject({
    Image: str().optional(),
    /** "NAME=value" entries; secret-looking values arrive as "NAME=***". */
    Env: z
      .array(str(1024 * 1024))
      .max(10000)
      .nullish(),
    Labels: z.record(z.string(), z.string()).nullish(),
  }),
  HostConfig: z.looseObject({}).optional(),
  NetworkSettings: z.looseObject({}).optional(),
  Mounts: z.array(z.looseObject({})).nullish(),
});
export type IngestInspectEntry = z.infer<typeof IngestInspectEntry>;

/** One `docker stats --no-stream --no-trunc --format '{{json .}}'` line (running containers only). */
export const IngestStatsEntry = z.looseObject({
  ID: ContainerId,
  Name: str(1024),
  CPUPerc: str(64),
  MemUsage: str(128),
  MemPerc: str(64),
  NetIO: str(128).optional(),
  BlockIO: str(128).optional(),
  PIDs: str(64).optional(),
});
export type IngestStatsEntry = z.infer<typeof IngestStatsEntry>;

export const IngestReport = z.object({
  version: z.literal(INGEST_REPORT_VERSION),
  /** e.g. "airlock-agent/1" */
  agent: str(64),
  hostname: z.string().min(1).max(255),
  sentAt: z.iso.datetime({ offset: true }),
  ps: z.array(IngestPsEntry).max(INGEST_MAX_CONTAINERS),
  inspect: z.array(IngestInspectEntry).max(INGEST_MAX_CONTAINERS),
  stats: z.array(IngestStatsEntry).max(INGEST_MAX_CONTAINERS),
});
export type IngestReport = z.infer<typeof IngestReport>;

/** Answer to an accepted report (202). */
export const IngestAccepted = z.object({ ok: z.literal(true) });
export type IngestAccepted = z.infer<typeof IngestAccepted>;

export const ingestApi = {
  docker: endpoint({
    method: 'POST',
    path: '/api/ingest/docker',
    guard: 'public',
    summary:
      'A push-agent report (`Authorization: Bearer <host token>`); stored as data only. 401 unknown token, 400 malformed, 413 too large, 429 too soon.',
    tags: ['fleet', 'ingest'],
    body: IngestReport,
    response: IngestAccepted,
    status: 202,
  }),
};
