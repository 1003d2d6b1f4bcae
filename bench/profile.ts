// In-process CPU profiling of one measured loop (node:inspector), summarized by self time, so a
// missed target comes with its hot spots instead of a guess.
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { findSourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  /** Share of sampled time spent in this function itself. */
  selfPercent: number;
  fn: string;
  /** path:line relative to the repo (1-based line). */
  where: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function where(frame: CallFrame): string {
  let file = frame.url;
  let line = frame.lineNumber;
  // tsx compiles each module to one line; its source map gives the line in the .ts file.
  const entry = file ? findSourceMap(file)?.findEntry(frame.lineNumber, frame.columnNumber) : undefined;
  if (entry && 'originalLine' in entry && typeof entry.originalLine === 'number') line = entry.originalLine;
  if (file.startsWith('file://')) file = fileURLToPath(file);
  if (file.startsWith(repoRoot)) file = path.relative(repoRoot, file);
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) file = file.slice(nm);
  return file ? `${file}:${line + 1}` : '(native)';
}

export async function profiled<T>(
  fn: () => Promise<T>,
  outFile: string,
): Promise<{ result: T; hot: HotSpot[]; file: string }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await session.post('Profiler.stop').catch(() => undefined);
    session.disconnect();
    throw err;
  }
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  await writeFile(outFile, JSON.stringify(profile));
  return { result, hot: summarize(profile), file: outFile };
}

export function summarize(profile: CpuProfile, top = 15): HotSpot[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  samples.forEach((id, i) => {
    const dt = deltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const agg = new Map<string, { fn: string; where: string; t: number }>();
  for (const [id, t] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const fn = n.callFrame.functionName || '(anonymous)';
    const w = where(n.callFrame);
    const key = `${fn}@${w}`;
    const a = agg.get(key) ?? { fn, where: w, t: 0 };
    a.t += t;
    agg.set(key, a);
  }
  return [...agg.values()]
    .sort((a, b) => b.t - a.t)
    .slice(0, top)
    .map((a) => ({ selfPercent: total ? (100 * a.t) / total : 0, fn: a.fn, where: a.where }));
}
