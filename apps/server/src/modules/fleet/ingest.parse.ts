import type { ContainerDetail, ContainerStats } from '@airlock/contract/fleet';
import { z } from 'zod';
import { INGEST_MAX_CONTAINERS, IngestReport, type IngestStatsEntry } from '@airlock/contract/ingest';
import { badRequest } from '../../lib/errors';
import { InspectSchema, inspectToDetail } from './inspect';

/**
 * Push-agent reports → the same ContainerDetail the engine adapter produces. Pure. A report is
 * untrusted: it is validated field by field, mapped to data, and nothing in it is ever executed.
 */

export interface ParsedReport {
  hostname: string;
  sentAt: string;
  containers: ContainerDetail[];
  stats: Map<string, ContainerStats>;
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** "1.5MiB", "12kB", "0B" → bytes; null when unparsable. */
export function parseSize(s: string | undefined): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]?i?[bB])\s*$/.exec(s ?? '');
  if (!m) return null;
  const unit = UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? null : Number(m[1]) * unit;
}

/** "12.34%" → 12.34; "--" → null. */
export function parsePercent(s: string | undefined): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$/.exec(s ?? '');
  return m ? Number(m[1]) : null;
}

/** "a / b" pairs docker stats prints for MemUsage, NetIO and BlockIO. */
function pair(s: string | undefined): [number | null, number | null] {
  const [a, b] = (s ?? '').split('/');
  return [parseSize(a), parseSize(b)];
}

export function statsFromCli(e: IngestStatsEntry, at: string): ContainerStats {
  const [mem, limit] = pair(e.MemUsage);
  const [rx, tx] = pair(e.NetIO);
  const [rd, wr] = pair(e.BlockIO);
  const pids = Number(e.PIDs);
  return {
    at,
    cpuPercent: parsePercent(e.CPUPerc),
    memoryBytes: mem,
    memoryLimitBytes: limit,
    memoryPercent: parsePercent(e.MemPerc),
    netRxBytes: rx,
    netTxBytes: tx,
    blockReadBytes: rd,
    blockWriteBytes: wr,
    pids: e.PIDs !== undefined && Number.isInteger(pids) ? pids : null,
  };
}

/**
 * The report with its inspect entries left for InspectSchema: each is validated once, by the schema
 * the engine adapter uses too, instead of twice.
 */
const Envelope = IngestReport.extend({ inspect: z.array(z.unknown()).max(INGEST_MAX_CONTAINERS) });

const where = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';

/** Validates and maps one report; a 400 names the first field that is wrong. */
export function parseReport(hostId: string, body: unknown): ParsedReport {
  const r = Envelope.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw badRequest(`Malformed report: ${issue ? `${where(issue.path)}: ${issue.message}` : 'invalid'}.`, {
      field: issue ? where(issue.path) : undefined,
    });
  }
  const report = r.data;
  const containers: ContainerDetail[] = [];
  report.inspect.forEach((raw, i) => {
    const p = InspectSchema.safeParse(raw);
    if (!p.success) {
      const issue = p.error.issues[0];
      const field = `inspect.${i}.${issue ? where(issue.path) : ''}`;
      throw badRequest(`Malformed report: ${field}: ${issue?.message ?? 'invalid'}.`, { field });
    }
    try {
      containers.push(inspectToDetail(hostId, p.data));
    } catch (err) {
      throw badRequest(`Malformed report: inspect.${i}: ${(err as Error).message}.`, {
        field: `inspect.${i}`,
      });
    }
  });
  const at = new Date(Date.parse(report.sentAt)).toISOString();
  const stats = new Map<string, ContainerStats>();
  for (const s of report.stats) {
    // docker stats may print a short id; match it to the full one.
    const full = s.ID.length === 64 ? s.ID : containers.find((c) => c.id.startsWith(s.ID))?.id;
    if (full) stats.set(full, statsFromCli(s, at));
  }
  return { hostname: report.hostname, sentAt: at, containers, stats };
}
