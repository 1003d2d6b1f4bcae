// Starts the bare Node interceptor (gateway-floor-main.ts) on a unix socket of its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTsChild } from './gateway-child';

export interface Floor {
  socketPath: string;
  caPem: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startFloor(opts: {
  upstreamPort: number;
  upstreamCaPem: string;
  authorization: string;
  secrets: string[];
}): Promise<Floor> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-floor-'));
  const caFile = path.join(dir, 'upstream-ca.pem');
  writeFileSync(caFile, opts.upstreamCaPem);
  const socketPath = path.join(dir, 'floor.sock');
  const child = await startTsChild<{ caPem: string }>('gateway-floor-main.ts', [
    socketPath,
    String(opts.upstreamPort),
    caFile,
    opts.authorization,
    ...opts.secrets,
  ]);
  return {
    socketPath,
    caPem: child.ready.caPem,
    pid: child.pid,
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
