// Starts the gateway benchmark's HTTPS upstream (gateway-upstream-main.ts) in its own process and
// hands back its port, CA and a way to read its counters.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request, type Dispatcher } from 'undici';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface UpstreamCounts {
  requests: number;
  withCredential: number;
  downloads: number;
}

export interface BenchUpstream {
  port: number;
  caPem: string;
  pid: number;
  /** Read straight from the upstream (not through any proxy). */
  counts(direct: Dispatcher): Promise<UpstreamCounts>;
  stop(): Promise<void>;
}

export async function startUpstream(opts: {
  downloadBytes: number;
  smallBytes: number;
  expectedAuthorization: string;
}): Promise<BenchUpstream> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=airlock-src',
      '--import',
      'tsx',
      path.join(here, 'gateway-upstream-main.ts'),
      String(opts.downloadBytes),
      String(opts.smallBytes),
      opts.expectedAuthorization,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const ready = await new Promise<{ port: number; caPem: string }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as { port: number; caPem: string });
    });
    child.once('exit', (code) => reject(new Error(`the benchmark upstream exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    ...ready,
    pid: child.pid!,
    async counts(direct) {
      const res = await request(`https://127.0.0.1:${ready.port}/stats`, { dispatcher: direct });
      if (res.statusCode !== 200) throw new Error(`upstream /stats answered ${res.statusCode}`);
      return (await res.body.json()) as UpstreamCounts;
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
