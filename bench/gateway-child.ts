// A helper process of the gateway benchmark (the upstream, the bare interceptor): a TypeScript file
// run by node + tsx with the repo's source conditions, which prints one JSON line when ready and
// exits when its stdin closes.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface TsChild<T> {
  ready: T;
  pid: number;
  stop(): Promise<void>;
}

export async function startTsChild<T>(script: string, args: string[]): Promise<TsChild<T>> {
  const child = spawn(
    process.execPath,
    ['--conditions=airlock-src', '--import', 'tsx', path.join(here, script), ...args],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const ready = await new Promise<T>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as T);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    ready,
    pid: child.pid!,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
