// `airlock users unlock-login` on the server host, end to end: the built server locks admin out at
// an address after five wrong passwords; the built CLI, given only the data directory, clears it
// through the running server; the unlock is audited. Needs a prior `node scripts/build.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli, startServer, type E2eServer } from '../support/e2e-server';

const ADMIN_PW = 'correct horse battery';

let server: E2eServer | undefined;
let scratch: string | undefined;

before(async () => {
  server = await startServer();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-unlock-'));
});

after(async () => {
  await server?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function login(url: string, password: string): Promise<Response> {
  return fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
}

test(
  'unlock-login clears a lockout through the running server and is audited',
  { timeout: 90_000 },
  async () => {
    assert.ok(server && scratch);
    const { url, home, setupToken } = server;
    const setup = await fetch(`${url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: setupToken, username: 'admin', password: ADMIN_PW }),
    });
    assert.equal(setup.status, 201, await setup.text());

    for (let i = 0; i < 5; i++) assert.equal((await login(url, `wrong password ${i}`)).status, 401);
    const locked = await login(url, ADMIN_PW);
    assert.equal(locked.status, 429, await locked.text());
    assert.ok(Number(locked.headers.get('retry-after')) > 14 * 60);

    const cleared = await runCli(['users', 'unlock-login', 'admin', '--home', home], {});
    assert.equal(cleared.code, 0, cleared.stderr + server.output());
    assert.equal(
      cleared.stdout,
      'Cleared the sign-in lockout of admin: 1 locked address(es) unlocked, 5 recent failure(s) forgotten.\n',
    );
    assert.deepEqual(await readdir(path.join(home, 'host-requests')), [], 'request and reply are gone');

    // The right password works again at once, from the address that was locked out.
    const ok = await login(url, ADMIN_PW);
    assert.equal(ok.status, 200, await ok.text());
    const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const audit = await fetch(`${url}/api/audit?action=auth.login.unlocked`, { headers: { cookie } });
    assert.equal(audit.status, 200);
    const events = ((await audit.json()) as { items: Record<string, unknown>[] }).items;
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.deepEqual(
      {
        actorType: events[0]?.actorType,
        target: events[0]?.target,
        details: events[0]?.details,
      },
      { actorType: 'system', target: 'user:admin', details: { lockedAddresses: 1, failures: 5 } },
    );

    // AIRLOCK_HOME works like --home; nothing to clear is said so (and still audited).
    const again = await runCli(['users', 'unlock-login', 'admin'], { AIRLOCK_HOME: home });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /admin had no sign-in lockout or recent failures; nothing to clear/);

    const nobody = await runCli(['users', 'unlock-login', 'nobody', '--home', home], {});
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stderr, 'error: No user named "nobody".\n');

    // The wrong data directory, and one no server is watching, fail with the reason, leaving nothing.
    const wrongHome = await runCli(
      ['users', 'unlock-login', 'admin', '--home', path.join(scratch, 'none')],
      {},
    );
    assert.equal(wrongHome.code, 1);
    assert.match(wrongHome.stderr, /no Airlock server has run with the data directory/);
    const idle = path.join(scratch, 'idle');
    await mkdir(path.join(idle, 'host-requests'), { recursive: true });
    const started = Date.now();
    const noServer = await runCli(['users', 'unlock-login', 'admin', '--home', idle, '--wait', '1'], {});
    assert.equal(noServer.code, 1);
    assert.match(noServer.stderr, /No running Airlock server answered within 1 s/);
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(await readdir(path.join(idle, 'host-requests')), []);
    assert.ok(existsSync(home));

    const verify = await fetch(`${url}/api/audit/verify`, { headers: { cookie } });
    assert.equal(((await verify.json()) as { ok: boolean }).ok, true);
  },
);
