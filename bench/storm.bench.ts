// Storm: can one push-host token slow everyone else? Four loops post large reports (1,000
// containers) back to back with the same host token over real loopback HTTP, while a second client
// samples GET /api/health. Measured twice: with the deck's admission rule as shipped (one report in
// flight per host, at most one per half interval) and with only the in-flight rule (spacing 0, the
// closest to the old "no limit" the code still allows). Baseline: the same health samples with no
// storm, in the same run. The storm runs in a child process, so the deck's event loop is not
// shared with the client building and sending megabytes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTestApp } from '../test/support/app';
import { fakeReport } from '../test/fixtures/docker-report';
import { createAgentHost, log, metric, percentile, type Metric } from './lib';

/** The storm client: LOOPS concurrent loops posting the file's body until stdin closes. */
const STORM_CLIENT = `
import { readFileSync } from 'node:fs';
const [url, token, file, loops] = process.argv.slice(1);
const body = readFileSync(file, 'utf8');
let stop = false, accepted = 0, refused = 0, other = 0;
process.stdin.on('data', () => {}).on('end', () => { stop = true; });
const loop = async () => {
  while (!stop) {
    try {
      const res = await fetch(url, { method: 'POST', body,
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token } });
      await res.arrayBuffer();
      if (res.status === 202) accepted++; else if (res.status === 429) refused++; else other++;
    } catch { other++; }
  }
};
await Promise.all(Array.from({ length: Number(loops) }, loop));
process.stdout.write(JSON.stringify({ accepted, refused, other }));
`;

const SAMPLE_MS = 3000;
const LOOPS = 4;

async function healthP95(base: string, ms: number): Promise<{ p95: number; n: number }> {
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/health`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /api/health answered ${res.status}`);
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { p95: percentile(samples, 95), n: samples.length };
}

async function phase(spacing: number | null): Promise<{ p95: number; accepted: number; refused: number }> {
  const t = await startTestApp({}, spacing === null ? {} : { ingestSpacing: spacing });
  try {
    await t.app.fastify.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.fastify.server.address() as AddressInfo).port}`;
    const admin = await t.setup();
    await t.unlock(admin);
    if (spacing === null) return { ...(await healthP95(base, SAMPLE_MS)), accepted: 0, refused: 0 };
    const host = await createAgentHost(t, admin, 'bench-storm');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-storm-'));
    const file = path.join(dir, 'report.json');
    writeFileSync(
      file,
      JSON.stringify({ ...fakeReport(1000, 'bench-storm'), sentAt: new Date().toISOString() }),
    );
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        STORM_CLIENT,
        `${base}/api/ingest/docker`,
        host.token,
        file,
        String(LOOPS),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await new Promise((r) => setTimeout(r, 500)); // let the storm start
    const h = await healthP95(base, SAMPLE_MS);
    child.stdin.end();
    await exited;
    rmSync(dir, { recursive: true, force: true });
    const counts = JSON.parse(out || '{}') as { accepted?: number; refused?: number; other?: number };
    if (counts.other) throw new Error(`${counts.other} storm requests failed with neither 202 nor 429`);
    const accepted = counts.accepted ?? 0;
    const refused = counts.refused ?? 0;
    return { p95: h.p95, accepted, refused };
  } finally {
    await t.close();
  }
}

export async function stormBench(): Promise<Metric[]> {
  const idle = await phase(null);
  log(`storm: idle health p95 ${idle.p95.toFixed(1)} ms`);
  const gated = await phase(0.5);
  log(
    `storm: with admission, p95 ${gated.p95.toFixed(1)} ms (${gated.accepted} accepted, ${gated.refused} refused)`,
  );
  const inflight = await phase(0);
  log(
    `storm: in-flight rule only, p95 ${inflight.p95.toFixed(1)} ms (${inflight.accepted} accepted, ${inflight.refused} refused)`,
  );
  const baseline = { name: 'GET /api/health p95, no storm', value: idle.p95 };
  return [
    metric({
      bench: 'storm',
      name: `health p95, ${LOOPS} report loops from one host token`,
      unit: 'ms',
      value: gated.p95,
      // "One host cannot raise anyone else's latency": within 2x of an idle deck.
      target: { op: '<=', value: idle.p95 * 2 },
      baseline,
      detail: { accepted: gated.accepted, refused: gated.refused, containersPerReport: 1000 },
    }),
    metric({
      bench: 'storm',
      name: 'same, in-flight rule only (spacing 0)',
      unit: 'ms',
      value: inflight.p95,
      baseline,
      detail: { accepted: inflight.accepted, refused: inflight.refused },
    }),
  ];
}
