// The session commands of the CLI against a real deck (listening on loopback, with the real gateway
// and the bubblewrap runtime): `airlock run` passes the command's output and exit code through and
// reports blocks; `airlock sessions` lists and shows; `airlock cleanup` shows a plan, asks, and
// refuses to guess without a terminal.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Session } from '@airlock/contract/sessions';
import { run } from '../../apps/cli/src/program';
import { memoryIo, type MemoryIoOptions } from '../../apps/cli/src/lib/fake-deck.testing';
import { ADMIN } from '../support/app';
import { startSealedDeck, type SealedDeck } from '../support/sealed';

void describe('airlock run / sessions / cleanup (bubblewrap, real gateway)', () => {
  let deck: SealedDeck;
  let env: Record<string, string>;
  let configDir: string;

  before(async () => {
    deck = await startSealedDeck();
    await deck.api('POST', '/api/profiles', {
      name: 'work',
      runtime: 'bubblewrap',
      routes: [{ host: 'api.test' }],
    });
    await deck.t.app.fastify.listen({ host: '127.0.0.1', port: 0 });
    const addr = deck.t.app.fastify.server.address();
    assert.ok(addr && typeof addr === 'object');
    const { secret } = await deck.api<{ secret: string }>('POST', '/api/tokens', { name: 'cli' });
    configDir = mkdtempSync(path.join(os.tmpdir(), 'airlock-cli-sessions-'));
    env = {
      AIRLOCK_CONFIG_DIR: configDir,
      AIRLOCK_URL: `http://127.0.0.1:${addr.port}`,
      AIRLOCK_TOKEN: secret,
    };
  });
  after(async () => {
    await deck?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  async function cli(argv: string[], opts: MemoryIoOptions = {}) {
    const io = memoryIo({ ...opts, env: { ...env, ...opts.env } });
    const code = await run(argv, io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  }
  const sessions = async () => (await deck.api<{ items: Session[] }>('GET', '/api/sessions')).items;

  void it('run: prints the output, passes the exit code through, and removes the session', async () => {
    const ok = await cli(['run', 'work', '--', 'curl', '-sS', 'https://api.test/hello']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /auth=/, 'the upstream answered through the gateway');
    const failed = await cli(['run', 'work', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(failed.code, 7);
    assert.equal(failed.stdout, 'out\n');
    assert.match(failed.stderr, /^err\n/);
    assert.deepEqual(await sessions(), [], 'run removes what it created');
  });

  void it('run: piped input reaches the command; a block is reported on stderr', async () => {
    const piped = await cli(['run', 'work', '--', 'wc', '-c'], { stdin: 'twelve bytes' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout.trim(), '12');
    const blocked = await cli(['run', 'work', '--', 'curl', '-sS', '-o', '/dev/null', 'https://evil.test/x']);
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stderr, /airlock: blocked CONNECT evil\.test:443 \(no-route\)/);
  });

  void it('run: a timeout exits 124; an unknown profile is a clear error and leaves nothing', async () => {
    const slow = await cli(['run', 'work', '--timeout', '1', '--', 'sleep', '30']);
    assert.equal(slow.code, 124);
    assert.match(slow.stderr, /killed at its timeout/);
    const missing = await cli(['run', 'nope', '--', 'true']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: .*nope/);
    assert.deepEqual(await sessions(), []);
    const bad = await cli(['run', 'work', '--timeout', '0', '--', 'true']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /timeout.*at least 1 second/);
  });

  void it('sessions: lists and shows a kept session with its blocks; rm removes it', async () => {
    const kept = await cli(['run', 'work', '--keep', '--', 'curl', '-sS', 'http://evil.test/y']);
    const id = /kept session (\S+)/.exec(kept.stderr)?.[1];
    assert.ok(id, kept.stderr);
    const list = await cli(['sessions']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+PROFILE\s+RUNTIME\s+STATE\s+BLOCKED/m);
    assert.match(list.stdout, new RegExp(`${id}\\s+work\\s+bubblewrap\\s+running\\s+1`));
    const show = await cli(['sessions', 'show', id]);
    assert.match(show.stdout, /1 request\(s\) blocked/);
    assert.match(show.stdout, /GET\s+evil\.test:80\/y\s+no-route/);
    const json = JSON.parse((await cli(['sessions', 'show', id, '--json'])).stdout) as Session;
    assert.equal(json.id, id);
    const badId = await cli(['sessions', 'show', '../etc']);
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /argument 'id': a session id looks like/);
    assert.equal((await cli(['sessions', 'rm', id])).code, 0);
    assert.deepEqual(await sessions(), []);
    assert.match((await cli(['sessions'])).stdout, /No sessions\./);
  });

  void it('cleanup: a plan, then y/N; without a terminal only with --yes', async () => {
    assert.match((await cli(['cleanup'])).stdout, /Nothing to clean up/);
    const stray = path.join(deck.home, 'run', 'sessions', 's-stray0000');
    mkdirSync(stray, { recursive: true });
    const noTty = await cli(['cleanup']);
    assert.equal(noTty.code, 2);
    assert.match(noTty.stdout, /Will remove 1 orphan\(s\):\n\s+socket\s+s-stray0000/);
    assert.match(noTty.stderr, /add --yes/);
    const declined = await cli(['cleanup'], { answers: [], stdin: 'n\n' });
    assert.match(declined.stdout, /Nothing removed/);
    assert.ok(existsSync(stray));
    // Removing is an admin action behind a fresh unlock: a script gives the password in the env.
    const locked = await cli(['cleanup', '--yes']);
    assert.equal(locked.code, 1);
    assert.match(locked.stderr, /AIRLOCK_PASSWORD/);
    assert.ok(existsSync(stray), 'nothing removed without the unlock');
    const yes = await cli(['cleanup', '--yes'], { env: { AIRLOCK_PASSWORD: ADMIN.password } });
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /Removed 1 orphan\(s\)/);
    assert.ok(!existsSync(stray));
  });
});
