import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../apps/server/src/config/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mainJs = path.join(root, 'apps/server/dist/main.js');
const dirs: string[] = [];

function tmpHome(yaml?: string): { cwd: string; home: string } {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'airlock-cfg-'));
  dirs.push(cwd);
  const home = path.join(cwd, '.airlock');
  mkdirSync(home);
  if (yaml !== undefined) writeFileSync(path.join(home, 'airlock.yaml'), yaml);
  return { cwd, home };
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:7070 and ./.airlock resolved against cwd', () => {
    const { cwd } = tmpHome();
    const c = loadConfig({}, cwd);
    assert.equal(c.config.host, '127.0.0.1');
    assert.equal(c.config.port, 7070);
    assert.equal(c.home, path.join(cwd, '.airlock'));
    assert.equal(c.file, null);
  });

  it('an out-of-range port in the file names the key, the value and the range', () => {
    const { cwd, home } = tmpHome('port: 99999\n');
    const msg = configError(() => loadConfig({}, cwd));
    assert.match(msg, /"port"/);
    assert.match(msg, /99999/);
    assert.match(msg, /1-65535/);
    assert.ok(msg.includes(path.join(home, 'airlock.yaml')), msg);
  });

  it('a bad env value names the env var', () => {
    const { cwd } = tmpHome('port: 8080\n');
    const msg = configError(() => loadConfig({ AIRLOCK_PORT: 'abc' }, cwd));
    assert.match(msg, /env AIRLOCK_PORT/);
    assert.match(msg, /"abc"/);
    // Env overrides the file when valid.
    assert.equal(loadConfig({ AIRLOCK_PORT: '9090' }, cwd).config.port, 9090);
  });

  it('an unknown key is an error naming it, not silently ignored', () => {
    const { cwd } = tmpHome('prot: 1\n');
    assert.match(
      configError(() => loadConfig({}, cwd)),
      /unknown key "prot"/,
    );
    const nested = tmpHome('session:\n  idleMinuts: 5\n');
    assert.match(
      configError(() => loadConfig({}, nested.cwd)),
      /"session\.idleMinuts"/,
    );
  });

  it('malformed YAML names the file', () => {
    const { cwd, home } = tmpHome('port: [1, 2\n');
    const msg = configError(() => loadConfig({}, cwd));
    assert.ok(msg.includes(path.join(home, 'airlock.yaml')), msg);
    assert.match(
      configError(() => loadConfig({}, tmpHome('- 1\n- 2\n').cwd)),
      /mapping/,
    );
  });
});

describe(
  'the built server process',
  { skip: !existsSync(mainJs) && 'apps/server/dist/main.js not built' },
  () => {
    it('exits 1 on a bad config with a readable message and no stack trace', () => {
      const { cwd } = tmpHome('port: 99999\n');
      const r = spawnSync(process.execPath, [mainJs], {
        cwd,
        env: { PATH: process.env.PATH, HOME: cwd },
        encoding: 'utf8',
        timeout: 15_000,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /port/);
      assert.match(r.stderr, /99999/);
      assert.ok(!r.stderr.includes('    at '), `stack trace on stderr:\n${r.stderr}`);
    });

    it('starts, serves health and readiness, writes 0600 secrets, and stops on SIGTERM', async () => {
      const { cwd, home } = tmpHome();
      for (let attempt = 0; attempt < 5; attempt++) {
        const port = 20_000 + Math.floor(Math.random() * 40_000);
        const child = spawn(process.execPath, [mainJs], {
          cwd,
          env: { PATH: process.env.PATH, HOME: cwd, AIRLOCK_PORT: String(port), AIRLOCK_LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        const deadline = Date.now() + 15_000;
        let early: number | null | undefined;
        void exited.then((c) => (early = c));
        while (!stdout.includes('Airlock is running') && early === undefined && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        if (early !== undefined) {
          if (/EADDRINUSE|cannot listen/.test(stderr)) continue;
          assert.fail(`server exited ${early}: ${stderr}`);
        }
        try {
          assert.ok(stdout.includes(`http://127.0.0.1:${port}`), stdout);
          const health = await fetch(`http://127.0.0.1:${port}/api/health`);
          assert.equal(health.status, 200);
          const ready = await fetch(`http://127.0.0.1:${port}/api/ready`);
          assert.equal(ready.status, 200);
          assert.equal(((await ready.json()) as { status: string }).status, 'ready');
          assert.equal(statSync(path.join(home, 'setup-token')).mode & 0o777, 0o600);
          assert.equal(statSync(path.join(home, 'master.key')).mode & 0o777, 0o600);
          // The store holds password hashes: no other local user may read it.
          assert.equal(statSync(path.join(home, 'airlock.sqlite')).mode & 0o077, 0);
          assert.ok(stdout.includes('/setup?token='), 'first run prints the setup link');
        } finally {
          const t0 = Date.now();
          child.kill('SIGTERM');
          const code = await Promise.race([
            exited,
            new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),
          ]);
          if (code === 'timeout') child.kill('SIGKILL');
          assert.equal(code, 0, `exit after SIGTERM: ${String(code)} ${stderr}`);
          assert.ok(Date.now() - t0 < 10_000);
        }
        return;
      }
      assert.fail('no free port found in 5 attempts');
    });
  },
);
