// The gateway process (`apps/gateway/dist/main.js --home <AIRLOCK_HOME>`), started and supervised by
// the server. It parses hostile input (everything a sandbox sends), so it runs apart from the server
// and holds only what sessions need: their policies and credentials, in memory. The control token
// arrives on stdin (never argv or env, which other local users can read), then the control socket
// `<home>/run/gateway.sock` opens and `ready` is printed.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { GatewayLimits } from '@airlock/contract/gateway';
import { ControlServer } from './control';
import { Proxy } from './proxy/proxy';
import { GatewaySessions } from './sessions';
import { Upstreams } from './proxy/upstream';

function readToken(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('no control token on stdin within 10 s')), 10_000);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        process.stdin.pause();
        resolve(text.slice(0, nl).trim());
      }
    });
    process.stdin.on('end', () => reject(new Error('stdin closed before the control token arrived')));
  });
}

async function main(): Promise<void> {
  process.umask(0o077);
  const i = process.argv.indexOf('--home');
  const home = i >= 0 ? process.argv[i + 1] : undefined;
  if (!home) throw new Error('usage: gateway --home <AIRLOCK_HOME> (control token on stdin)');
  const token = await readToken();
  if (token.length < 32) throw new Error('the control token is too short');
  const runDir = path.join(home, 'run');
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const upstreams = new Upstreams();
  const proxy = new Proxy(upstreams, GatewayLimits.parse({}));
  let control: ControlServer | null = null;
  const sessions = new GatewaySessions(home, proxy, (e) => control?.event(e));
  control = new ControlServer(token, sessions, upstreams, proxy);
  await control.listen(path.join(runDir, 'gateway.sock'));
  const stop = () => {
    control?.close();
    sessions.closeAll();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Only the server holds the other end of stdin: when it goes, so does the gateway.
  process.stdin.resume();
  process.stdin.on('end', stop);
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`airlock gateway: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
