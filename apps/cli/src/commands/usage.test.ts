// Argument validation and exit codes of the whole CLI, driven through run() like a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { memoryIo } from '../lib/fake-deck.testing';
import { run } from '../program';

let configDir: string;
before(async () => {
  configDir = await mkdtemp(path.join(tmpdir(), 'airlock-cli-usage-'));
});
after(async () => {
  await rm(configDir, { recursive: true, force: true });
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ env: { AIRLOCK_CONFIG_DIR: configDir, ...env } });
  const code = await run(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

void describe('help and version', () => {
  void it('--help on the program and every command exits 0 and prints usage to stdout', async () => {
    const commands = [
      [],
      ['serve'],
      ['login'],
      ['logout'],
      ['whoami'],
      ['audit'],
      ['audit', 'verify'],
      ['audit', 'list'],
      ['users'],
      ['users', 'list'],
      ['users', 'create'],
      ['users', 'set-role'],
      ['users', 'disable'],
      ['users', 'enable'],
      ['users', 'unlock-login'],
      ['tokens'],
      ['tokens', 'list'],
      ['tokens', 'revoke'],
    ];
    for (const c of commands) {
      const r = await cli([...c, '--help']);
      assert.equal(r.code, 0, c.join(' '));
      assert.match(r.stdout, new RegExp(`^Usage: airlock${c.length ? ' ' + c.join(' ') : ''} `), c.join(' '));
      assert.equal(r.stderr, '');
    }
  });

  void it('`airlock help [command]` exits 0; help for an unknown command exits 2', async () => {
    assert.equal((await cli(['help'])).code, 0);
    const r = await cli(['help', 'users']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: airlock users /);
    assert.equal((await cli(['help', 'nosuch'])).code, 2);
  });

  void it('--version prints the version and exits 0', async () => {
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

void describe('usage errors exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command at all', [], /Usage: airlock/],
    ['a group without its subcommand', ['users'], /Usage: airlock users/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option', ['whoami', '--frob'], /unknown option '--frob'/],
    ['a missing argument', ['users', 'set-role', 'bob'], /missing required argument 'role'/],
    ['too many arguments', ['tokens', 'revoke', 'a', 'b'], /too many arguments/],
    [
      'an invalid role argument',
      ['users', 'set-role', 'bob', 'root'],
      /Allowed choices are viewer, operator, admin/,
    ],
    [
      'a missing mandatory option',
      ['users', 'create', 'bob'],
      /required option '--role <role>' not specified/,
    ],
    [
      'an invalid username',
      ['users', 'create', 'Bob!', '--role', 'viewer'],
      /argument 'username': use lowercase/,
    ],
    [
      'a port out of range',
      ['serve', '--port', '70000'],
      /option '--port': must be a whole number from 1 to 65535/,
    ],
    ['a port that is not a number', ['serve', '--port', '80a'], /option '--port': must be a whole number/],
    [
      'an audit limit of 0',
      ['audit', 'list', '--limit', '0'],
      /option '--limit': must be a whole number from 1 to 500/,
    ],
    ['an audit limit too large', ['audit', 'list', '--limit', '501'], /option '--limit'/],
    ['an invalid token id', ['tokens', 'revoke', 'a/b'], /argument 'id': is not a valid id/],
    ['login without a URL', ['login', '--token', 'alk_a_b'], /give the deck URL with --url/],
    [
      'login with a URL that is not http(s)',
      ['--url', 'ftp://x', 'login', '--token', 'alk_a_b'],
      /must start with http/,
    ],
    [
      'login with two credentials',
      ['--url', 'http://127.0.0.1:9', 'login', '--token', 'alk_a_b', '--username', 'al'],
      /only one of/,
    ],
    [
      'login with no credential',
      ['--url', 'http://127.0.0.1:9', 'login'],
      /give --token <token>, --token-stdin or --username/,
    ],
    [
      'login with something that is not a token',
      ['--url', 'http://127.0.0.1:9', 'login', '--token', 'hunter2'],
      /does not look like an Airlock API token/,
    ],
    [
      '--password-stdin without --username',
      ['--url', 'http://127.0.0.1:9', 'login', '--token', 'alk_a_b', '--password-stdin'],
      /goes with --username/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    void it(`for ${what}`, async () => {
      const r = await cli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  void it('never echoes a rejected token back', async () => {
    const r = await cli(['--url', 'http://127.0.0.1:9', 'login', '--token', 'sup3r-s3cret-pa55']);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr + r.stdout, /sup3r-s3cret-pa55/);
  });
});

void describe('not logged in exits 1', () => {
  for (const argv of [['whoami'], ['audit', 'verify'], ['users', 'list'], ['tokens', 'list']]) {
    void it(`airlock ${argv.join(' ')}`, async () => {
      const r = await cli(argv);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'error: Not logged in. Run `airlock login --url http://127.0.0.1:7070 --token <token>`.\n',
      );
    });
  }
});

void describe('the real entry point (main.ts)', () => {
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  const node = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--conditions=airlock-src', '--import', 'tsx', main, ...args], {
      encoding: 'utf8',
      env: { ...process.env, AIRLOCK_CONFIG_DIR: configDir, AIRLOCK_URL: '', AIRLOCK_TOKEN: '', ...env },
      timeout: 30_000,
    });

  void it('exits with the code run() returns, and prints no stack trace', async () => {
    assert.equal(node(['--help']).status, 0);
    const usage = node(['whoami', '--nope']);
    assert.equal(usage.status, 2, usage.stderr);
    assert.equal(node(['whoami']).status, 1, 'not logged in');

    // A port that was just free: nothing listens there, so the connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const down = node(['whoami'], { AIRLOCK_URL: `http://127.0.0.1:${port}`, AIRLOCK_TOKEN: 'alk_a_b' });
    assert.equal(down.status, 1);
    assert.match(
      down.stderr,
      new RegExp(`^error: Cannot reach the Airlock server at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    assert.doesNotMatch(down.stderr, /\n\s+at /);
  });
});
