// `npm run bench [-- ingest|scale|events|storm|gateway ...] [--profile] [--seconds N]`: runs the benchmarks,
// prints measured value, target, baseline and ratio for each, and writes bench/results/latest.json.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, printTable, type Metric } from './lib';
import type { HotSpot } from './profile';

const NAMES = ['ingest', 'scale', 'events', 'storm', 'gateway'] as const;
type Name = (typeof NAMES)[number];

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');

function usage(): never {
  process.stderr.write(
    'usage: npm run bench [-- [ingest|scale|events|storm|gateway ...] [--profile] [--seconds N]]\n' +
      '  --profile   CPU-profile the ingest loop, the GET /api/containers samples and the gateway process\n' +
      '              (its 32-connection loop and its download); prints the top self-time functions\n' +
      '  --seconds   how long the ingest loop and each gateway load loop run (default 5)\n',
  );
  process.exit(2);
}

function parseArgs(argv: string[]): { only: Name[]; profile: boolean; seconds: number } {
  const only: Name[] = [];
  let profile = false;
  let seconds = 5;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--profile') profile = true;
    else if (a === '--seconds') {
      seconds = Number(argv[++i]);
      if (!Number.isFinite(seconds) || seconds <= 0) usage();
    } else if ((NAMES as readonly string[]).includes(a)) only.push(a as Name);
    else usage();
  }
  return { only: only.length ? only : [...NAMES], profile, seconds };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await mkdir(resultsDir, { recursive: true });
  const metrics: Metric[] = [];
  const hot: Record<string, HotSpot[]> = {};
  const failures: { bench: Name; error: string }[] = [];
  const t0 = performance.now();

  for (const name of args.only) {
    const started = performance.now();
    log(`${name}: starting`);
    try {
      switch (name) {
        case 'ingest': {
          const { ingestBench } = await import('./ingest.bench');
          const r = await ingestBench({
            seconds: args.seconds,
            ...(args.profile ? { profileDir: resultsDir } : {}),
          });
          metrics.push(...r.metrics);
          if (r.hot) hot.ingest = r.hot;
          break;
        }
        case 'scale': {
          const { scaleBench } = await import('./scale.bench');
          const r = await scaleBench(args.profile ? resultsDir : undefined);
          metrics.push(...r.metrics);
          if (r.hot) hot.scale = r.hot;
          if (r.error) throw r.error;
          break;
        }
        case 'events': {
          const { eventsBench } = await import('./events.bench');
          metrics.push(...(await eventsBench()));
          break;
        }
        case 'storm': {
          const { stormBench } = await import('./storm.bench');
          metrics.push(...(await stormBench()));
          break;
        }
        case 'gateway': {
          const { gatewayBench } = await import('./gateway.bench');
          const r = await gatewayBench({
            seconds: args.seconds,
            ...(args.profile ? { profileDir: resultsDir } : {}),
          });
          metrics.push(...r.metrics);
          Object.assign(hot, r.hot);
          if (r.error) throw r.error;
          break;
        }
      }
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      failures.push({ bench: name, error });
      log(`${name}: FAILED\n${error}`);
    }
    log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  const out: string[] = [];
  out.push(
    `Airlock benchmarks — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}`,
  );
  out.push('ratio = measured / baseline; both measured in this run on this machine.');
  out.push('');
  out.push(printTable(metrics));
  for (const [bench, spots] of Object.entries(hot)) {
    out.push('');
    out.push(`${bench}: CPU profile, top self time during the measured loop`);
    for (const h of spots) out.push(`  ${h.selfPercent.toFixed(1).padStart(5)}%  ${h.fn}  ${h.where}`);
  }
  const details = metrics.filter((m) => m.detail);
  if (details.length) {
    out.push('');
    for (const m of details)
      out.push(
        `${m.bench} / ${m.name}: ${Object.entries(m.detail!)
          .map(([k, v]) => `${k}=${typeof v === 'number' ? Math.round(v * 100) / 100 : v}`)
          .join(' ')}`,
      );
  }
  for (const f of failures) out.push('', `${f.bench}: FAILED — ${f.error.split('\n')[0]}`);
  const missed = metrics.filter((m) => m.met === false);
  out.push('');
  out.push(
    `${metrics.filter((m) => m.met === true).length} target(s) met, ${missed.length} missed, ${failures.length} benchmark(s) failed; ${((performance.now() - t0) / 1000).toFixed(0)} s total.`,
  );
  process.stdout.write(out.join('\n') + '\n');

  const file = path.join(resultsDir, 'latest.json');
  await writeFile(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        metrics,
        hotSpots: hot,
        failures,
      },
      null,
      2,
    ) + '\n',
  );
  log(`results written to ${path.relative(process.cwd(), file)}`);
  // Missed targets are a result, not an error; only a benchmark that could not run fails the command.
  process.exitCode = failures.length ? 1 : 0;
}

await main();
