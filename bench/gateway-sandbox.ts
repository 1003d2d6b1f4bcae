// Sandbox start, as an operator waits for it: a deck with the real gateway (startSealedDeck), and per
// runtime `POST /api/sessions` then `POST /api/sessions/:id/exec ["true"]`, timed from the create
// call to the exec's answer; the session is removed (untimed) before the next sample. Baseline: the
// runtime's own floor in the same run, a bare `docker run --rm --network none <image> true` or
// `bwrap --unshare-all ... true` with nothing of Airlock around it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Session } from '@airlock/contract/sessions';
import { startSealedDeck } from '../test/support/sealed';
import { log, percentile } from './lib';

const run = promisify(execFile);

export type RuntimeName = 'docker' | 'bubblewrap';

export interface StartTimes {
  runtime: RuntimeName;
  /** Create → first exec answered, ms. */
  samples: number[];
  /** The runtime's floor (see above), ms. */
  floor: number[];
}

const IMAGE = 'airlock/sandbox:bookworm';

async function floorOnce(runtime: RuntimeName): Promise<number> {
  const t0 = performance.now();
  if (runtime === 'docker') await run('docker', ['run', '--rm', '--network', 'none', IMAGE, 'true']);
  else
    await run('bwrap', [
      '--unshare-all',
      '--die-with-parent',
      '--ro-bind',
      '/',
      '/',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      'true',
    ]);
  return performance.now() - t0;
}

export async function sandboxStarts(samples: number): Promise<StartTimes[]> {
  const deck = await startSealedDeck();
  try {
    const out: StartTimes[] = [];
    for (const runtime of ['docker', 'bubblewrap'] as const) {
      await deck.api('POST', '/api/profiles', {
        name: `bench-${runtime}`,
        runtime,
        routes: [{ host: 'api.test' }],
      });
      const times: number[] = [];
      // One unrecorded start first: the first of a run pays for image and page-cache misses.
      for (let i = 0; i <= samples; i++) {
        const t0 = performance.now();
        const s = await deck.api<Session>('POST', '/api/sessions', { profile: `bench-${runtime}` }, 201);
        const r = await deck.api<{ exitCode: number | null; stderr: string }>(
          'POST',
          `/api/sessions/${s.id}/exec`,
          { argv: ['true'], timeoutMs: 20_000 },
        );
        const ms = performance.now() - t0;
        if (r.exitCode !== 0)
          throw new Error(`exec in a ${runtime} sandbox exited ${r.exitCode}: ${r.stderr}`);
        if (i > 0) times.push(ms);
        await deck.api('DELETE', `/api/sessions/${s.id}`);
      }
      const floor: number[] = [];
      await floorOnce(runtime);
      for (let i = 0; i < 5; i++) floor.push(await floorOnce(runtime));
      log(
        `gateway: ${runtime} start p50 ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms (floor p50 ${percentile(floor, 50).toFixed(0)} ms)`,
      );
      out.push({ runtime, samples: times, floor });
    }
    return out;
  } finally {
    await deck.close();
  }
}
