import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { memoryIo } from '../lib/fake-deck.testing';
import { run } from '../program';

// A stand-in server bundle: reports the environment it got, then behaves as FAKE_MODE says.
const FAKE_SERVER = `
import { writeFileSync } from 'node:fs';
const out = process.env.FAKE_OUT;
if (process.env.FAKE_MODE === 'graceful') {
  process.on('SIGTERM', () => { writeFileSync(out + '.signal', 'SIGTERM'); process.exit(0); });
}
writeFileSync(out, JSON.stringify({
  host: process.env.AIRLOCK_HOST, port: process.env.AIRLOCK_PORT, home: process.env.AIRLOCK_HOME,
  token: process.env.AIRLOCK_TOKEN ?? null, password: process.env.AIRLOCK_PASSWORD ?? null, path: process.env.PATH ?? null,
}));
if (process.env.FAKE_MODE === 'exit3') process.exit(3);
// Never outlive a failed test.
setTimeout(() => process.exit(99), 20_000);
`;

let dir: string;
let entry: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-cli-serve-'));
  entry = path.join(dir, 'main.js');
  await writeFile(entry, FAKE_SERVER);
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(file: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(file), `${file} never appeared`);
}

void describe('serve', () => {
  void it('without a server build: says how to build it and exits 1', async () => {
    const io = memoryIo({ serverEntry: path.join(dir, 'missing', 'main.js') });
    assert.equal(await run(['serve'], io), 1);
    assert.equal(
      io.stderr,
      `error: Server build not found at ${path.join(dir, 'missing', 'main.js')}; run \`npm run build\` first.\n`,
    );
  });

  void it('passes --host/--port/--home as env, keeps client secrets out, and exits with the server code', async () => {
    const out = path.join(dir, 'env-1.json');
    const io = memoryIo({
      serverEntry: entry,
      env: {
        FAKE_OUT: out,
        FAKE_MODE: 'exit3',
        PATH: process.env.PATH,
        AIRLOCK_TOKEN: 'alk_a_b',
        AIRLOCK_PASSWORD: 'pw',
      },
    });
    const code = await run(['serve', '--host', '0.0.0.0', '--port', '7171', '--home', 'rel/home'], io);
    assert.equal(code, 3);
    const seen = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(seen, {
      host: '0.0.0.0',
      port: '7171',
      home: path.resolve('rel/home'),
      token: null,
      password: null,
      path: process.env.PATH,
    });
  });

  void it('forwards SIGTERM to the server and exits with its code', { timeout: 15_000 }, async () => {
    const out = path.join(dir, 'env-2.json');
    const io = memoryIo({ serverEntry: entry, env: { FAKE_OUT: out, FAKE_MODE: 'graceful' } });
    const exit = run(['serve'], io);
    await waitFor(out);
    io.emit('SIGTERM');
    assert.equal(await exit, 0);
    assert.equal(await readFile(out + '.signal', 'utf8'), 'SIGTERM');
    assert.equal(io.signals.get('SIGTERM')?.size, 0, 'signal handlers are removed after the server exits');
  });

  void it('reports death by an unhandled signal as 128 + signal number', { timeout: 15_000 }, async () => {
    const out = path.join(dir, 'env-3.json');
    const io = memoryIo({ serverEntry: entry, env: { FAKE_OUT: out } });
    const exit = run(['serve'], io);
    await waitFor(out);
    io.emit('SIGINT');
    assert.equal(await exit, 130);
  });
});
