// Shared pieces of the benchmarks: percentiles, the result shape, and the printed table.
// Speed targets live here as ratios against a baseline measured in the same run (DESIGN.md: never
// as timed test assertions).
import type { LightMyRequestResponse } from 'fastify';
import type { CreatedHost } from '@airlock/contract/hosts';
import type { Caller, TestApp } from '../test/support/app';

export interface Target {
  op: '>=' | '<=';
  value: number;
}

/** One measured number, its target (if it has one) and the baseline it is read against. */
export interface Metric {
  bench: string;
  name: string;
  unit: string;
  value: number;
  target?: Target;
  baseline: { name: string; value: number };
  /** value / baseline.value */
  ratio: number;
  met?: boolean;
  /** Extra numbers worth keeping (p95, sample counts, breakdowns). */
  detail?: Record<string, number | string>;
}

export function metric(m: Omit<Metric, 'ratio' | 'met'>): Metric {
  const ratio = m.baseline.value === 0 ? Number.POSITIVE_INFINITY : m.value / m.baseline.value;
  const met = m.target
    ? m.target.op === '>='
      ? m.value >= m.target.value
      : m.value <= m.target.value
    : undefined;
  return { ...m, ratio, ...(met === undefined ? {} : { met }) };
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export function fmt(n: number, unit = ''): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  const s = n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${s} ${unit}` : s;
}

function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '∞';
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 1 ? `${r.toFixed(2)}×` : `${r.toFixed(3)}×`;
}

/** The table every run prints: measured, target, verdict, baseline, ratio. */
export function printTable(metrics: readonly Metric[]): string {
  const rows = metrics.map((m) => [
    m.bench,
    m.name,
    fmt(m.value, m.unit),
    m.target ? `${m.target.op === '>=' ? '≥' : '≤'} ${fmt(m.target.value, m.unit)}` : '—',
    m.met === undefined ? '—' : m.met ? 'MET' : 'MISSED',
    `${m.baseline.name}: ${fmt(m.baseline.value, m.unit)}`,
    fmtRatio(m.ratio),
  ]);
  const head = ['bench', 'metric', 'measured', 'target', 'verdict', 'baseline (same run)', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export function expectStatus(res: LightMyRequestResponse, status: number, what: string): void {
  if (res.statusCode !== status)
    throw new Error(`${what}: expected HTTP ${status}, got ${res.statusCode}: ${res.body.slice(0, 500)}`);
}

/** Creates a push-agent host through the API (admin, unlocked) and returns its id and token. */
export async function createAgentHost(
  t: TestApp,
  admin: Caller,
  label: string,
): Promise<{ id: string; token: string }> {
  const res = await t.request('POST', '/api/hosts', {
    as: admin,
    body: { kind: 'agent', label, intervalSeconds: 3600 },
  });
  expectStatus(res, 201, `POST /api/hosts (${label})`);
  const created = res.json<CreatedHost>();
  if (!created.agentToken) throw new Error(`host ${label} came back without an agent token`);
  return { id: created.host.id, token: created.agentToken };
}

/**
 * A report body as a string with a `sentAt` that changes on every call: the JSON is serialized once
 * and the timestamp spliced in, so the loop measures the server, not JSON.stringify.
 */
export function reportTemplate(report: Record<string, unknown>): () => string {
  const marker = '__BENCH_SENT_AT__';
  const text = JSON.stringify({ ...report, sentAt: marker });
  const at = text.indexOf(marker);
  const head = text.slice(0, at);
  const tail = text.slice(at + marker.length);
  return () => head + new Date().toISOString() + tail;
}
