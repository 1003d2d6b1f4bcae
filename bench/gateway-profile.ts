// The gateway's CPU profile (`node --cpu-prof`, written when the process exits), read back with its
// frames mapped through dist/main.js.map to the TypeScript they came from, then summarized by self
// time like the in-process profiles (profile.ts).
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GATEWAY_MAIN } from '../test/support/gateway';
import { summarize, type HotSpot } from './profile';

type Profile = Parameters<typeof summarize>[0];

/** Node flags that make the gateway write its profile into `dir` when it exits. */
export function cpuProfArgs(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'];
}

/** The one profile the gateway left in `dir`, moved to `outFile`, as its top self-time functions. */
export function readGatewayProfile(dir: string, outFile: string): HotSpot[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1)
    throw new Error(`expected one gateway .cpuprofile in ${dir}, found ${files.length}`);
  renameSync(path.join(dir, files[0]!), outFile);
  const profile = JSON.parse(readFileSync(outFile, 'utf8')) as Profile;
  const map = new SourceMap(JSON.parse(readFileSync(`${GATEWAY_MAIN}.map`, 'utf8')) as never);
  const bundle = pathToFileURL(GATEWAY_MAIN).href;
  const distDir = path.dirname(GATEWAY_MAIN);
  for (const node of profile.nodes) {
    const f = node.callFrame;
    if (f.url !== bundle && f.url !== GATEWAY_MAIN) continue;
    const e = map.findEntry(f.lineNumber, f.columnNumber) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (e.originalSource === undefined || e.originalLine === undefined) continue;
    const src = e.originalSource.startsWith('file://')
      ? fileURLToPath(e.originalSource)
      : path.resolve(distDir, e.originalSource);
    node.callFrame = { ...f, url: src, lineNumber: e.originalLine, columnNumber: e.originalColumn ?? 0 };
  }
  return summarize(profile, 20);
}
