// Each command against a local stand-in for the API: what it sends, what it prints, how it exits.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadConfig, saveConfig } from '../lib/config.store';
import { FakeDeck, errorBody, memoryIo, type MemoryIoOptions } from '../lib/fake-deck.testing';
import { run } from '../program';

const TOKEN = 'alk_tok1_s3cr3tvalue';
const ME = {
  user: { id: 'u-alice', username: 'alice', role: 'admin', mustChangePassword: false },
  via: 'token',
  csrfToken: null,
  unlockedUntil: null,
};
const USERS = {
  items: [
    {
      id: 'u-alice',
      username: 'alice',
      role: 'admin',
      disabled: false,
      mustChangePassword: false,
      createdAt: '2025-01-02T03:04:05.000Z',
      lastLoginAt: null,
    },
    {
      id: 'u-bob',
      username: 'bob',
      role: 'viewer',
      disabled: true,
      mustChangePassword: false,
      createdAt: '2025-02-03T04:05:06.000Z',
      lastLoginAt: '2025-03-01T10:00:00.000Z',
    },
  ],
};

let deck: FakeDeck;
let configDir: string;
let env: Record<string, string>;

beforeEach(async () => {
  deck = new FakeDeck();
  await deck.start();
  configDir = await mkdtemp(path.join(tmpdir(), 'airlock-cli-cmd-'));
  env = { AIRLOCK_CONFIG_DIR: configDir };
});
afterEach(async () => {
  await deck.close();
  await rm(configDir, { recursive: true, force: true });
});

async function loggedIn(): Promise<void> {
  await saveConfig(env, { url: deck.url, token: TOKEN, username: 'alice' });
}

async function cli(argv: string[], opts: MemoryIoOptions = {}) {
  const io = memoryIo({ ...opts, env: { ...env, ...opts.env } });
  const code = await run(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr, prompts: io.prompts };
}

void describe('whoami', () => {
  void it('prints "username (role) at URL" using the stored token', async () => {
    await loggedIn();
    deck.on('GET', '/api/auth/me', { body: ME });
    const r = await cli(['whoami']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `alice (admin) at ${deck.url}\n`);
    assert.equal(deck.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
  });

  void it('--json prints the API answer', async () => {
    await loggedIn();
    deck.on('GET', '/api/auth/me', { body: ME });
    const r = await cli(['whoami', '--json']);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), ME);
  });

  void it('a refused token exits 1 with the server message and correlation id', async () => {
    await loggedIn();
    deck.on('GET', '/api/auth/me', {
      status: 401,
      body: errorBody('unauthenticated', 'This token was revoked.', 'corr-9'),
    });
    const r = await cli(['whoami']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: This token was revoked\. \(HTTP 401, unauthenticated, correlation id corr-9\)\n/,
    );
    assert.match(r.stderr, /airlock login/);
    assert.equal(r.stdout, '');
  });

  void it('a server that is down exits 1 with "Cannot reach"', async () => {
    await loggedIn();
    await deck.close();
    const r = await cli(['whoami']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^error: Cannot reach the Airlock server at ${deck.url}: `));
  });

  void it('AIRLOCK_URL and AIRLOCK_TOKEN override the config file', async () => {
    deck.on('GET', '/api/auth/me', { body: ME });
    const r = await cli(['whoami'], { env: { AIRLOCK_URL: deck.url, AIRLOCK_TOKEN: 'alk_env_token' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(deck.requests[0]?.headers.authorization, 'Bearer alk_env_token');
  });

  void it('--url works after the subcommand too', async () => {
    deck.on('GET', '/api/auth/me', { body: ME });
    const r = await cli(['whoami', '--url', deck.url], { env: { AIRLOCK_TOKEN: 'alk_env_token' } });
    assert.equal(r.code, 0, r.stderr);
  });

  void it('never sends the stored token to a different server given with --url', async () => {
    await saveConfig(env, { url: 'http://127.0.0.1:1', token: TOKEN, username: 'alice' });
    deck.on('GET', '/api/auth/me', { body: ME });
    const r = await cli(['--url', deck.url, 'whoami']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stored token belongs to http:\/\/127\.0\.0\.1:1/);
    assert.equal(deck.requests.length, 0);
  });
});

void describe('login', () => {
  void it('--token verifies the token, stores url/token/username 0600, and never prints the token', async () => {
    deck.on('GET', '/api/auth/me', { body: ME });
    const r = await cli(['--url', deck.url + '/', 'login', '--token', TOKEN]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Logged in to ${deck.url} as alice \\(admin\\)\\.\n`));
    assert.doesNotMatch(r.stdout + r.stderr, /s3cr3tvalue/);
    assert.equal(deck.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
    const file = path.join(configDir, 'config.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
      url: deck.url,
      token: TOKEN,
      username: 'alice',
    });
  });

  void it('--token-stdin and AIRLOCK_TOKEN are token sources too', async () => {
    deck.on('GET', '/api/auth/me', { body: ME });
    assert.equal((await cli(['--url', deck.url, 'login', '--token-stdin'], { stdin: `${TOKEN}\n` })).code, 0);
    assert.equal(deck.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(
      (await cli(['--url', deck.url, 'login'], { env: { AIRLOCK_TOKEN: 'alk_envid_x' } })).code,
      0,
    );
    assert.equal(deck.requests[1]?.headers.authorization, 'Bearer alk_envid_x');
  });

  void it('a token the server refuses is not stored', async () => {
    deck.on('GET', '/api/auth/me', { status: 401, body: errorBody('unauthenticated', 'Unknown token.') });
    const r = await cli(['--url', deck.url, 'login', '--token', TOKEN]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unknown token\./);
    assert.equal(await loadConfig(env), null);
  });

  void describe('--username', () => {
    function passwordDeck(): void {
      deck.on('POST', '/api/auth/login', (req) => {
        const b = req.body as { username: string; password: string };
        if (b.username !== 'alice' || b.password !== 'correct horse battery') {
          return {
            status: 401,
            body: errorBody('unauthenticated', 'Wrong user name or password.', 'corr-login'),
          };
        }
        return {
          body: { ...ME, via: 'session', csrfToken: 'csrf-1' },
          headers: { 'set-cookie': ['airlock_session=sess-1; Path=/; HttpOnly; SameSite=Strict'] },
        };
      });
      const sessionOk = (h: Record<string, unknown>) =>
        h.cookie === 'airlock_session=sess-1' && h['x-csrf-token'] === 'csrf-1';
      deck.on('POST', '/api/auth/unlock', (req) =>
        sessionOk(req.headers) && (req.body as { password: string }).password === 'correct horse battery'
          ? { body: { unlockedUntil: '2030-01-01T00:00:00.000Z' } }
          : { status: 403, body: errorBody('csrf_failed', 'bad session') },
      );
      deck.on('POST', '/api/tokens', (req) =>
        sessionOk(req.headers)
          ? {
              status: 201,
              body: {
                token: {
                  id: 'newtok',
                  name: (req.body as { name: string }).name,
                  prefix: 'alk_newtok',
                  role: 'admin',
                  createdAt: '2025-01-01T00:00:00.000Z',
                  lastUsedAt: null,
                  expiresAt: null,
                },
                secret: 'alk_newtok_freshsecret',
              },
            }
          : { status: 403, body: errorBody('csrf_failed', 'bad session') },
      );
      deck.on('POST', '/api/auth/logout', (req) =>
        sessionOk(req.headers)
          ? { body: { ok: true } }
          : { status: 403, body: errorBody('csrf_failed', 'x') },
      );
      deck.on('GET', '/api/auth/me', (req) =>
        req.headers.authorization === 'Bearer alk_newtok_freshsecret'
          ? { body: ME }
          : { status: 401, body: errorBody('unauthenticated', 'no') },
      );
      deck.on('DELETE', '/api/tokens/newtok', { body: { ok: true } });
    }

    void it('logs in, unlocks, creates a cli@<host> token with cookie + CSRF, logs out, and stores only the token', async () => {
      passwordDeck();
      const r = await cli(['--url', deck.url, 'login', '--username', 'alice', '--password-stdin'], {
        stdin: 'correct horse battery\n',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(deck.calls(), [
        'POST /api/auth/login',
        'POST /api/auth/unlock',
        'POST /api/tokens',
        'GET /api/auth/me',
        'POST /api/auth/logout',
      ]);
      assert.deepEqual(deck.requests[2]?.body, { name: 'cli@testhost' });
      assert.deepEqual(await loadConfig(env), {
        url: deck.url,
        token: 'alk_newtok_freshsecret',
        username: 'alice',
      });
      assert.doesNotMatch(r.stdout + r.stderr, /freshsecret|correct horse/);
    });

    void it('prompts without echo on a terminal', async () => {
      passwordDeck();
      const r = await cli(['--url', deck.url, 'login', '--username', 'alice'], {
        answers: ['correct horse battery'],
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.prompts, [`Password for alice at ${deck.url}: `]);
    });

    void it('reads one line of stdin when there is no terminal', async () => {
      passwordDeck();
      const r = await cli(['--url', deck.url, 'login', '--username', 'alice'], {
        stdin: 'correct horse battery\nrest',
      });
      assert.equal(r.code, 0, r.stderr);
    });

    void it('a wrong password exits 1 with the server message and stores nothing', async () => {
      passwordDeck();
      const r = await cli(['--url', deck.url, 'login', '--username', 'alice', '--password-stdin'], {
        stdin: 'nope',
      });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Wrong user name or password\. \(HTTP 401, unauthenticated, correlation id corr-login\)/,
      );
      assert.equal(await loadConfig(env), null);
    });

    void it('revokes the new token and still logs out when it cannot be kept', async () => {
      passwordDeck();
      deck.on('GET', '/api/auth/me', {
        status: 500,
        body: errorBody('internal', 'Internal error.', 'corr-500'),
      });
      const r = await cli(['--url', deck.url, 'login', '--username', 'alice', '--password-stdin'], {
        stdin: 'correct horse battery',
      });
      assert.equal(r.code, 1);
      assert.deepEqual(deck.calls().slice(-2), ['DELETE /api/tokens/newtok', 'POST /api/auth/logout']);
      assert.equal(await loadConfig(env), null);
    });
  });
});

void describe('logout', () => {
  void it('forgets the token but keeps the URL', async () => {
    await loggedIn();
    const r = await cli(['logout']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await loadConfig(env), { url: deck.url });
    assert.equal(deck.requests.length, 0);
    assert.equal((await cli(['whoami'])).code, 1);
  });

  void it('--revoke deletes the token by the id inside it first', async () => {
    await loggedIn();
    deck.on('DELETE', '/api/tokens/tok1', { body: { ok: true } });
    const r = await cli(['logout', '--revoke']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(deck.calls(), ['DELETE /api/tokens/tok1']);
    assert.equal(deck.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
    assert.match(r.stdout, /forgotten and revoked/);
    assert.deepEqual(await loadConfig(env), { url: deck.url });
  });

  void it('--revoke keeps the token when the server cannot be reached, so it can be retried', async () => {
    await loggedIn();
    await deck.close();
    const r = await cli(['logout', '--revoke']);
    assert.equal(r.code, 1);
    assert.equal((await loadConfig(env))?.token, TOKEN);
  });
});

void describe('audit', () => {
  void it('verify: intact chain exits 0', async () => {
    await loggedIn();
    deck.on('GET', '/api/audit/verify', { body: { ok: true, checked: 42 } });
    const r = await cli(['audit', 'verify']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'Audit chain intact: 42 events checked.\n');
  });

  void it('verify: broken chain exits 1, also with --json', async () => {
    await loggedIn();
    const broken = { ok: false, checked: 7, firstBadSeq: 5, reason: 'hash mismatch' };
    deck.on('GET', '/api/audit/verify', { body: broken });
    const r = await cli(['audit', 'verify']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'Audit chain BROKEN at event #5: hash mismatch\n');
    const j = await cli(['audit', 'verify', '--json']);
    assert.equal(j.code, 1);
    assert.deepEqual(JSON.parse(j.stdout), broken);
  });

  void it('list: passes filters as query and prints a table', async () => {
    await loggedIn();
    deck.on('GET', '/api/audit', {
      body: {
        items: [
          {
            seq: 12,
            ts: '2025-05-06T07:08:09.000Z',
            actorType: 'token',
            actorId: 't1',
            actorName: 'alice',
            action: 'users.update',
            target: 'user:bob',
            details: {},
            prevHash: 'a',
            hash: 'b',
          },
          {
            seq: 3,
            ts: '2025-05-01T00:00:00.000Z',
            actorType: 'system',
            actorId: null,
            actorName: null,
            action: 'server.start',
            target: null,
            details: {},
            prevHash: 'c',
            hash: 'd',
          },
        ],
        nextBefore: 3,
      },
    });
    const r = await cli(['audit', 'list', '--limit', '2', '--action', 'users.', '--actor', 'alice']);
    assert.equal(r.code, 0, r.stderr);
    const q = deck.requests[0]?.query;
    assert.deepEqual([q?.get('limit'), q?.get('action'), q?.get('actor')], ['2', 'users.', 'alice']);
    assert.equal(
      r.stdout,
      [
        'SEQ  TIME               ACTOR          ACTION        TARGET',
        '12   2025-05-06 07:08Z  alice (token)  users.update  user:bob',
        '3    2025-05-01 00:00Z  system         server.start  -',
        '',
      ].join('\n'),
    );
    assert.match(r.stderr, /--before 3/);
  });
});

void describe('users (admin + unlock)', () => {
  function unlockingDeck(): { patched: unknown[] } {
    const state = { unlocked: false, patched: [] as unknown[] };
    deck.on('GET', '/api/users', { body: USERS });
    deck.on('POST', '/api/auth/unlock', (req) => {
      if ((req.body as { password: string }).password !== 'admin-password-1') {
        return { status: 401, body: errorBody('unauthenticated', 'Wrong password.', 'corr-unlock') };
      }
      state.unlocked = true;
      return { body: { unlockedUntil: '2030-01-01T00:00:00.000Z' } };
    });
    deck.on('PATCH', '/api/users/u-bob', (req) => {
      if (!state.unlocked) return { status: 403, body: errorBody('unlock_required', 'Unlock first.') };
      state.patched.push(req.body);
      return { body: { ...USERS.items[1], ...(req.body as object) } };
    });
    return state;
  }

  void it('list prints a table', async () => {
    await loggedIn();
    deck.on('GET', '/api/users', { body: USERS });
    const r = await cli(['users', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'USERNAME  ROLE    STATUS    CREATED            LAST LOGIN',
        'alice     admin   active    2025-01-02 03:04Z  -',
        'bob       viewer  disabled  2025-02-03 04:05Z  2025-03-01 10:00Z',
        '',
      ].join('\n'),
    );
  });

  void it('set-role: on unlock_required, unlocks with AIRLOCK_PASSWORD and retries once', async () => {
    await loggedIn();
    const state = unlockingDeck();
    const r = await cli(['users', 'set-role', 'bob', 'operator'], {
      env: { AIRLOCK_PASSWORD: 'admin-password-1' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'bob is now operator.\n');
    assert.deepEqual(deck.calls(), [
      'GET /api/users',
      'PATCH /api/users/u-bob',
      'POST /api/auth/unlock',
      'PATCH /api/users/u-bob',
    ]);
    assert.deepEqual(deck.requests[2]?.body, { password: 'admin-password-1' });
    assert.equal(deck.requests[2]?.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(state.patched, [{ role: 'operator' }]);
  });

  void it('disable/enable: asks for the password on a terminal', async () => {
    await loggedIn();
    const state = unlockingDeck();
    const r = await cli(['users', 'disable', 'bob'], { answers: ['admin-password-1'] });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.prompts, ['Password for alice: ']);
    assert.deepEqual(state.patched, [{ disabled: true }]);
    assert.equal(
      (await cli(['users', 'enable', 'bob'], { answers: [] })).code,
      0,
      'still unlocked: no second prompt',
    );
    assert.deepEqual(state.patched, [{ disabled: true }, { disabled: false }]);
  });

  void it('without a terminal or AIRLOCK_PASSWORD, fails with how to provide it and changes nothing', async () => {
    await loggedIn();
    const state = unlockingDeck();
    const r = await cli(['users', 'disable', 'bob']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs a fresh unlock .* set AIRLOCK_PASSWORD/);
    assert.deepEqual(state.patched, []);
    assert.ok(!deck.calls().includes('POST /api/auth/unlock'));
  });

  void it('a wrong unlock password exits 1 with the server message', async () => {
    await loggedIn();
    unlockingDeck();
    const r = await cli(['users', 'disable', 'bob'], { env: { AIRLOCK_PASSWORD: 'wrong' } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Wrong password\. \(HTTP 401, unauthenticated, correlation id corr-unlock\)/);
  });

  void it('an unknown username exits 1 without patching anything', async () => {
    await loggedIn();
    unlockingDeck();
    const r = await cli(['users', 'set-role', 'carol', 'admin']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No user named "carol"/);
    assert.deepEqual(deck.calls(), ['GET /api/users']);
  });

  void it('create: reads the password from stdin, checks its length locally, then posts', async () => {
    await loggedIn();
    deck.on('POST', '/api/users', (req) => ({
      status: 201,
      body: { ...USERS.items[1], ...(req.body as object) },
    }));
    const short = await cli(['users', 'create', 'carol', '--role', 'operator', '--password-stdin'], {
      stdin: 'short\n',
    });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /password must be at least 12 characters/);
    assert.equal(deck.requests.length, 0);
    const r = await cli(['users', 'create', 'carol', '--role', 'operator', '--password-stdin'], {
      stdin: 'a long enough password\n',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(deck.requests[0]?.body, {
      username: 'carol',
      password: 'a long enough password',
      role: 'operator',
      mustChangePassword: false,
    });
    assert.equal(r.stdout, 'Created user carol (operator).\n');
  });

  void it('create --must-change-password asks the server to require a new password at first sign-in', async () => {
    await loggedIn();
    deck.on('POST', '/api/users', {
      status: 201,
      body: { ...USERS.items[1], username: 'carol', mustChangePassword: true },
    });
    const r = await cli(
      ['users', 'create', 'carol', '--role', 'viewer', '--password-stdin', '--must-change-password'],
      {
        stdin: 'a long enough password\n',
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal((deck.requests.at(-1)?.body as { mustChangePassword?: boolean }).mustChangePassword, true);
    assert.match(r.stdout, /must choose a new password at first sign-in/);
  });

  void it('create: on a terminal asks twice and refuses when they differ', async () => {
    await loggedIn();
    deck.on('POST', '/api/users', { status: 201, body: {} });
    const r = await cli(['users', 'create', 'carol', '--role', 'viewer'], {
      answers: ['first password 1', 'second password 2'],
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /the two passwords differ/);
    assert.equal(deck.requests.length, 0);
  });
});

void describe('tokens', () => {
  void it('list prints a table; revoke deletes by id', async () => {
    await loggedIn();
    deck.on('GET', '/api/tokens', {
      body: {
        items: [
          {
            id: 'tok1',
            name: 'cli@box',
            prefix: 'alk_tok1',
            role: 'admin',
            createdAt: '2025-01-01T00:00:00.000Z',
            lastUsedAt: null,
            expiresAt: null,
          },
        ],
      },
    });
    deck.on('DELETE', '/api/tokens/tok9', { body: { ok: true } });
    const l = await cli(['tokens', 'list']);
    assert.equal(l.code, 0, l.stderr);
    assert.equal(
      l.stdout,
      [
        'ID    NAME     PREFIX    ROLE   CREATED            LAST USED  EXPIRES',
        'tok1  cli@box  alk_tok1  admin  2025-01-01 00:00Z  -          -',
        '',
      ].join('\n'),
    );
    const j = await cli(['tokens', 'list', '--json']);
    assert.equal((JSON.parse(j.stdout) as { items: unknown[] }).items.length, 1);
    const r = await cli(['tokens', 'revoke', 'tok9']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Revoked token tok9.\n');
    assert.equal(r.stderr, '');
    deck.on('DELETE', '/api/tokens/tok1', { body: { ok: true } });
    const own = await cli(['tokens', 'revoke', 'tok1']);
    assert.equal(own.code, 0);
    assert.match(own.stderr, /this CLI signs in with; run `airlock logout`/);
  });

  void it('revoke of an unknown id exits 1 with the server message', async () => {
    await loggedIn();
    const r = await cli(['tokens', 'revoke', 'nope']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /No route DELETE \/api\/tokens\/nope \(HTTP 404, not_found, correlation id fake-404\)/,
    );
  });
});

void describe('fleet commands', () => {
  const HOST = {
    id: 'h1',
    kind: 'local',
    label: 'this machine',
    protected: true,
    status: {
      state: 'unreachable',
      reason: 'connect ENOENT /var/run/docker.sock',
      since: '2025-01-01T00:00:00.000Z',
    },
    containerCount: 2,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    local: { socketPath: '/var/run/docker.sock' },
    ssh: null,
    agent: null,
  };
  const C = {
    hostId: 'h1',
    id: 'a'.repeat(64),
    name: 'db',
    image: 'postgres:16',
    state: 'exited',
    health: 'none',
    status: 'red',
    statusReason: 'exited with code 1',
    exitCode: 1,
    oomKilled: false,
    restartCount: 0,
    startedAt: '2025-01-01T00:00:00.000Z',
    createdAt: '2025-01-01T00:00:00.000Z',
    labels: {},
    ports: [],
  };

  void it('hosts lists status with the reason', async () => {
    await loggedIn();
    deck.on('GET', '/api/hosts', { body: { items: [HOST] } });
    const r = await cli(['hosts']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /this machine \(protected\)\s+local\s+unreachable/);
    assert.match(r.stdout, /ENOENT/);
  });

  void it('containers passes filters as query parameters and prints red first as the API sorted', async () => {
    await loggedIn();
    deck.on('GET', '/api/hosts', { body: { items: [HOST] } });
    deck.on('GET', '/api/containers', {
      body: { items: [C], total: 1, counts: { red: 1, amber: 0, green: 3 } },
    });
    // The host is named by its label; the deck gets its id.
    const r = await cli(['containers', '--status', 'red,amber', '--search', 'db', '--host', 'This Machine']);
    assert.equal(r.code, 0, r.stderr);
    const q = deck.requests.find((x) => x.path === '/api/containers')?.query;
    assert.equal(q?.get('status'), 'red,amber');
    assert.equal(q?.get('q'), 'db');
    assert.equal(q?.get('host'), 'h1');
    assert.match(r.stdout, /RED\s+this machine\s+db\s+postgres:16\s+exited/);
    assert.match(r.stderr, /1 red, 0 amber, 3 green/);
  });

  void it('refuses bad filters and verbs before calling the deck (exit 2)', async () => {
    await loggedIn();
    assert.equal((await cli(['containers', '--status', 'purple'])).code, 2);
    const bad = await cli(['containers', 'action', 'h1', 'db;rm -rf /', 'stop']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /container/);
    assert.equal((await cli(['containers', 'action', 'h1', 'db', 'remove'])).code, 2);
    assert.equal(deck.requests.length, 0);
  });

  void it('containers action posts the verb and prints the new state', async () => {
    await loggedIn();
    deck.on('POST', `/api/containers/h1/db/actions/restart`, {
      body: { verb: 'restart', changed: true, container: { ...C, state: 'running', status: 'green' } },
    });
    deck.on('GET', '/api/hosts', { body: { items: [HOST] } });
    const r = await cli(['containers', 'action', 'h1', 'db', 'restart']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'restart: done — now running (green)\n');
    // By label too; an unknown one is refused before any action is sent.
    assert.equal((await cli(['containers', 'action', 'this machine', 'db', 'restart'])).code, 0);
    const unknown = await cli(['containers', 'action', 'nowhere', 'db', 'restart']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No host has the id or label "nowhere"/);
    assert.equal(deck.calls().filter((c) => c.startsWith('POST')).length, 2);
  });
});
