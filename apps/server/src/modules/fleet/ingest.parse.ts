import type { ContainerDetail, ContainerStats } from '@airlock/contract/fleet';
import { z } from 'zod';
import { INGEST_MAX_CONTAINERS, IngestReport, IngestStatsEntry } from '@airlock/contract/ingest';
import { engineText } from '../../lib/engine-text';
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

/** Decimal (kB, MB…) and binary (KiB, MiB…) byte units as docker stats prints them, lower-cased. */
const UNITS = new Map<string, number>([
  ['b', 1],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
  ['tb', 1e12],
  ['kib', 1024],
  ['mib', 1024 ** 2],
  ['gib', 1024 ** 3],
  ['tib', 1024 ** 4],
]);

/** Length of the unsigned decimal ("12", "1.5") at the start of `s`; 0 when there is none. */
function decimalLength(s: string): number {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === 0) return 0;
  if (s.charCodeAt(i) !== 46 /* . */) return i;
  let j = i + 1;
  while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  return j > i + 1 ? j : 0;
}

// Hand-scanned rather than matched by a regex: seven of these per container per push report.
/** "1.5MiB", "12kB", "0B" → bytes; null when unparsable. */
export function parseSize(input: string | undefined): number | null {
  const s = (input ?? '').trim();
  const n = decimalLength(s);
  if (n === 0) return null;
  const unit = UNITS.get(s.slice(n).trimStart().toLowerCase());
  return unit === undefined ? null : Number(s.slice(0, n)) * unit;
}

/** "12.34%" → 12.34; "--" → null. */
export function parsePercent(input: string | undefined): number | null {
  const s = (input ?? '').trim();
  const n = decimalLength(s);
  return n > 0 && s.slice(n).trim() === '%' ? Number(s.slice(0, n)) : null;
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
 * The report as the deck reads it. Inspect entries are left for InspectSchema: each is validated
 * once, by the schema the engine adapter uses too, instead of twice. Stats entries keep only the
 * fields the deck reads.
 */
const Envelope = IngestReport.extend({
  inspect: z.array(z.unknown()).max(INGEST_MAX_CONTAINERS),
  stats: z.array(IngestStatsEntry.strip()).max(INGEST_MAX_CONTAINERS),
});

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
  // Shown on the Hosts page to every viewer: a hostile agent must not paint, reorder or hide text.
  const hostname = engineText(report.hostname, 255) || '(unreadable hostname)';
  return { hostname, sentAt: at, containers, stats };
}
