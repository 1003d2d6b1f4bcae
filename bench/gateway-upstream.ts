// Starts the gateway benchmark's HTTPS upstream (gateway-upstream-main.ts) in its own process and
// hands back its port, CA and a way to read its counters.
import { request, type Dispatcher } from 'undici';
import { startTsChild } from './gateway-child';

export interface UpstreamCounts {
  requests: number;
  withCredential: number;
  downloads: number;
  tlsConnections: number;
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
  const child = await startTsChild<{ port: number; caPem: string }>('gateway-upstream-main.ts', [
    String(opts.downloadBytes),
    String(opts.smallBytes),
    opts.expectedAuthorization,
  ]);
  const { port, caPem } = child.ready;
  return {
    port,
    caPem,
    pid: child.pid,
    async counts(direct) {
      const res = await request(`https://127.0.0.1:${port}/stats`, { dispatcher: direct });
      if (res.statusCode !== 200) throw new Error(`upstream /stats answered ${res.statusCode}`);
      return (await res.body.json()) as UpstreamCounts;
    },
    stop: () => child.stop(),
  };
}
