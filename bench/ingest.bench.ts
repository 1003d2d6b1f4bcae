// Ingest: push reports of 50 containers per second on one core (one thread, sequential
// app.fastify.inject calls, no HTTP socket). Baselines from the same run: the floor cost of reading
// the body (JSON.parse alone) and the cost of a trivial route through the same app (GET /api/health).
import path from 'node:path';
import { startTestApp } from '../test/support/app';
import { fakeReport } from '../test/fixtures/docker-report';
import { parseJsonBody, parsePlainJson } from '../apps/server/src/lib/json';
import { parseReport } from '../apps/server/src/modules/fleet/ingest.parse';
import { createAgentHost, expectStatus, log, metric, reportTemplate, type Metric } from './lib';
import { profiled, type HotSpot } from './profile';

export interface IngestOptions {
  seconds: number;
  profileDir?: string;
}

/** Calls `step` back to back for `ms`; returns calls per second. */
async function loopFor(ms: number, step: () => Promise<void> | void): Promise<{ perSec: number; n: number }> {
  const t0 = performance.now();
  const end = t0 + ms;
  let n = 0;
  let now = t0;
  while (now < end) {
    // Check the clock every 8 calls: performance.now() is cheap, but not free next to JSON.parse.
    for (let i = 0; i < 8; i++) await step();
    n += 8;
    now = performance.now();
  }
  return { perSec: (n * 1000) / (now - t0), n };
}

/** Mean microseconds per call of `f`, after a warm-up. */
function micros(f: () => unknown, n = 300): number {
  for (let i = 0; i < 50; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - t0) / n) * 1000;
}

/** Where one report's time goes, stage by stage (the server's own functions, called directly). */
function breakdown(text: string): Record<string, number> {
  const obj = JSON.parse(text) as unknown;
  return {
    'stage.JSON.parse_us': micros(() => JSON.parse(text)),
    // What the ingest route uses, and what every other route uses (depth and prototype-key scan).
    'stage.parsePlainJson_us': micros(() => parsePlainJson(text)),
    'stage.parseJsonBody_us': micros(() => parseJsonBody(text)),
    'stage.parseReport_us': micros(() => parseReport('h', obj)),
  };
}

export async function ingestBench(opts: IngestOptions): Promise<{ metrics: Metric[]; hot?: HotSpot[] }> {
  const t = await startTestApp();
  try {
    const admin = await t.setup();
    await t.unlock(admin);
    const host = await createAgentHost(t, admin, 'bench-ingest');
    const body = reportTemplate(fakeReport(50, 'bench-ingest'));
    const sample = body();
    log(`ingest: report of 50 containers = ${(sample.length / 1024).toFixed(1)} KiB`);

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${host.token}` };
    const ingestOnce = async () => {
      const res = await t.app.fastify.inject({
        method: 'POST',
        url: '/api/ingest/docker',
        headers,
        payload: body(),
      });
      if (res.statusCode !== 202) expectStatus(res, 202, 'POST /api/ingest/docker');
    };
    const healthOnce = async () => {
      const res = await t.app.fastify.inject({ method: 'GET', url: '/api/health' });
      if (res.statusCode !== 200) expectStatus(res, 200, 'GET /api/health');
    };
    let sink = 0;
    const parseOnce = () => {
      sink += (JSON.parse(body()) as { inspect: unknown[] }).inspect.length;
    };

    const ms = opts.seconds * 1000;
    // Warm up all three (JIT, SQLite statement cache, the first snapshot write).
    await loopFor(500, ingestOnce);
    await loopFor(200, healthOnce);
    await loopFor(200, parseOnce);

    let hot: HotSpot[] | undefined;
    let ingest: { perSec: number; n: number };
    if (opts.profileDir) {
      const p = await profiled(
        () => loopFor(ms, ingestOnce),
        path.join(opts.profileDir, 'ingest.cpuprofile'),
      );
      ingest = p.result;
      hot = p.hot;
      log(
        `ingest: CPU profile written to ${p.file} (profiling slows the loop; the numbers below include it)`,
      );
    } else {
      ingest = await loopFor(ms, ingestOnce);
    }
    const health = await loopFor(Math.min(ms, 2000), healthOnce);
    const parse = await loopFor(Math.min(ms, 2000), parseOnce);
    if (sink === 0) throw new Error('the JSON.parse baseline parsed nothing');

    const target = { op: '>=' as const, value: 2000 };
    const detail = {
      reports: ingest.n,
      seconds: opts.seconds,
      containersPerReport: 50,
      bodyKiB: sample.length / 1024,
      perReport_us: 1e6 / ingest.perSec,
      ...breakdown(sample),
    };
    return {
      metrics: [
        metric({
          bench: 'ingest',
          name: 'reports/s, 50 containers, 1 core',
          unit: '/s',
          value: ingest.perSec,
          target,
          baseline: { name: 'JSON.parse(body) only', value: parse.perSec },
          detail,
        }),
        metric({
          bench: 'ingest',
          name: 'same, against a trivial route',
          unit: '/s',
          value: ingest.perSec,
          baseline: { name: 'inject GET /api/health', value: health.perSec },
        }),
      ],
      ...(hot ? { hot } : {}),
    };
  } finally {
    await t.close();
  }
}
