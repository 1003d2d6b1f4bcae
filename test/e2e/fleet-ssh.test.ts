// An SSH host in a real browser against the built server, a real OpenSSH server (own config and
// throwaway keys on 127.0.0.1, see test/support/sshd.ts) and the real dockerd behind it: add the host
// in Settings → Hosts with no pinned key → it is unreachable and shows the fingerprint it presented →
// confirm it → connected live, with a container count → the Fleet lists the container under the SSH
// host's label → pin a wrong fingerprint in Edit → unreachable with a mismatch naming both keys, and
// the presented key is offered again. Screenshots go to test-artifacts/e2e/. Needs Debian Chromium at
// /usr/bin/chromium, /usr/sbin/sshd, a running dockerd and a prior `node scripts/build.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { BASE_IMAGE, ensureBaseImage, removeContainers, requireDocker } from '../support/docker';
import {
  eventually,
  launchChromium,
  loopbackPage,
  prepareShots,
  requireChromium,
  shot,
  unlockIfAsked,
  withServerOutput,
} from '../support/browser';
import { startServer, type E2eServer } from '../support/e2e-server';
import { SSHD, startSshd, type TestSshd } from '../support/sshd';

const run = promisify(execFile);
const STEP = 20_000;
const ADMIN_PW = 'correct horse battery';
const RUN = randomBytes(3).toString('hex');
// Own prefix, distinct from the other e2e files, so they can share one engine at the same time.
const NAME = `airlock-e2e-ssh-${RUN}`;
const SSH_LABEL = `ssh-e2e-${RUN}`;
const LOCAL_LABEL = 'this machine';
const created: string[] = [];

let server: E2eServer | undefined;
let browser: Browser | undefined;
let sshd: TestSshd | undefined;

/** A syntactically valid SHA256 fingerprint (43 base64 chars, no padding) that is not `real`. */
function wrongFingerprint(real: string): string {
  for (;;) {
    const fp = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    if (fp !== real) return fp;
  }
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 });
  return stdout.trim();
}

before(async () => {
  requireChromium();
  await requireDocker();
  await ensureBaseImage();
  await prepareShots();
  // startSshd throws loudly when /usr/sbin/sshd is missing; never skipped.
  sshd = await startSshd();
  created.push(NAME);
  await docker('run', '-d', '--name', NAME, '--label', `airlock.e2e=${RUN}`, BASE_IMAGE, 'sleep', 'infinity');
  server = await startServer();

  // The first admin over the API, and the local engine as a second host (the same dockerd the sshd
  // reaches, so the container must show up under both labels). The SSH host is added in the browser.
  const setup = await fetch(`${server.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: server.setupToken, username: 'admin', password: ADMIN_PW }),
  });
  assert.equal(setup.status, 201, `setup: ${await setup.clone().text()}`);
  const cookie = /airlock_session=([^;]+)/.exec(setup.headers.get('set-cookie') ?? '')?.[1];
  const me = (await setup.json()) as { csrfToken: string | null };
  assert.ok(cookie && me.csrfToken, 'setup signs the admin in');
  const headers = {
    'content-type': 'application/json',
    cookie: `airlock_session=${cookie}`,
    'x-csrf-token': me.csrfToken,
  };
  const unlock = await fetch(`${server.url}/api/auth/unlock`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ password: ADMIN_PW }),
  });
  assert.equal(unlock.status, 200, `unlock: ${await unlock.text()}`);
  const local = await fetch(`${server.url}/api/hosts`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ kind: 'local', label: LOCAL_LABEL }),
  });
  assert.equal(local.status, 201, `adding the local host: ${await local.text()}`);

  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await sshd?.stop();
  await removeContainers(created);
});

const hostRow = (page: Page, label: string) =>
  page.locator(`[data-testid="host-row"][data-label="${label}"]`);

test(
  'ssh host: add with no pin, confirm the presented key, containers listed, a wrong pin is refused',
  { timeout: 180_000 },
  async () => {
    assert.ok(server && browser && sshd, `needs ${SSHD}, dockerd and Chromium`);
    const { url } = server;
    const real = sshd.hostKeyFingerprint;
    assert.match(real, /^SHA256:[A-Za-z0-9+/]{43}$/, 'sshd fingerprint');
    const wrong = wrongFingerprint(real);
    const { context, page, pageErrors } = await loopbackPage(browser, {
      viewport: { width: 1366, height: 900 },
      timeoutMs: STEP,
    });

    try {
      // 1. Sign in, Settings → Hosts → Add host → Remote over SSH, key pasted, fingerprint left empty.
      await page.goto(`${url}/login`);
      await page.getByTestId('login-username').fill('admin');
      await page.getByTestId('login-password').fill(ADMIN_PW);
      await page.getByTestId('login-submit').click();
      await page.waitForURL(/\/fleet/);
      await page.getByTestId('nav-hosts').click();
      await page.waitForURL(/\/settings\/hosts$/);
      await hostRow(page, LOCAL_LABEL).waitFor();
      await page.getByTestId('host-add').click();
      await page.getByTestId('host-kind').getByText('Remote over SSH').click();
      await page.getByTestId('host-label').fill(SSH_LABEL);
      await page.getByTestId('host-ssh-host').fill('127.0.0.1');
      await page.getByTestId('host-ssh-port').fill(String(sshd.port));
      await page.getByTestId('host-ssh-username').fill('root');
      await page.getByTestId('host-ssh-private-key').fill(sshd.userPrivateKey);
      assert.equal(await page.getByTestId('host-ssh-fingerprint').inputValue(), '', 'no pin given');
      assert.equal(await page.getByTestId('host-socket').inputValue(), '/var/run/docker.sock');
      await page.getByTestId('host-submit').click();
      await unlockIfAsked(page, ADMIN_PW);
      const row = hostRow(page, SSH_LABEL);
      await row.waitFor();
      assert.equal(await row.getAttribute('data-kind'), 'ssh');
      await page.getByTestId('host-label').waitFor({ state: 'hidden' });
      await page.evaluate(() => {
        (globalThis as unknown as { __noReload?: boolean }).__noReload = true;
      });
      const noReload = () =>
        page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload === true);

      // 2. Unreachable: the key is not confirmed; the presented fingerprint is the sshd's real one.
      await eventually(
        () => row.getAttribute('data-state'),
        (s) => s === 'unreachable',
        'the unconfirmed SSH host to show unreachable',
      );
      const reason = row.getByTestId('host-reason');
      const unconfirmedReason = await eventually(
        () => reason.innerText(),
        (t) => /not confirmed/i.test(t),
        'a reason saying the host key is not confirmed',
      );
      assert.ok(unconfirmedReason.includes(real), `the reason names the key: ${unconfirmedReason}`);
      const confirmBox = page.getByTestId('host-confirm-key');
      await confirmBox.waitFor();
      const presented = page.getByTestId('host-presented-fingerprint');
      assert.equal((await presented.innerText()).trim(), real, 'presented fingerprint = sshd host key');
      assert.match(await confirmBox.innerText(), /confirm the host key of 127\.0\.0\.1/i);
      assert.match(await row.innerText(), /host key not pinned/i);
      assert.equal(
        (await row.getByTestId('host-container-count').innerText()).trim(),
        '0',
        'nothing listed from an unconfirmed host',
      );
      await confirmBox.scrollIntoViewIfNeeded();
      await shot(page, 'ssh-host-unconfirmed');

      // 3. Confirm: connected without a reload; the pin is shown; the container is counted.
      await page.getByTestId('host-confirm-key-submit').click();
      await unlockIfAsked(page, ADMIN_PW);
      await eventually(
        () => row.getAttribute('data-state'),
        (s) => s === 'connected',
        'the SSH host to connect after confirming its key',
      );
      await confirmBox.waitFor({ state: 'hidden' });
      assert.equal(await reason.count(), 0, 'no reason on a connected host');
      assert.ok((await row.innerText()).includes(`pinned ${real}`), 'the confirmed key is pinned');
      await eventually(
        async () => Number((await row.getByTestId('host-container-count').innerText()).trim()),
        (n) => n > 0,
        'a container count above 0 on the SSH host',
      );
      assert.ok(await noReload(), 'the row changed without a page reload');
      await shot(page, 'ssh-host-connected');

      // 4. The Fleet lists the container under the SSH host's label, and under the local one too.
      await page.getByTestId('nav-fleet').click();
      await page.waitForURL(/\/fleet/);
      const search = `${url}/fleet?q=${encodeURIComponent(NAME)}`;
      await page.goto(search);
      const fleetRow = (label: string) =>
        page.locator(`[data-testid="fleet-row"][data-name="${NAME}"][data-host="${label}"]`);
      await fleetRow(SSH_LABEL).waitFor();
      await fleetRow(LOCAL_LABEL).waitFor();
      assert.match(await fleetRow(SSH_LABEL).innerText(), new RegExp(SSH_LABEL));
      assert.match(await fleetRow(SSH_LABEL).innerText(), /running/i);
      await shot(page, 'ssh-host-fleet');

      // 5. Edit → pin a wrong fingerprint: unreachable, a mismatch naming both, the real key offered.
      await page.getByTestId('nav-hosts').click();
      await page.waitForURL(/\/settings\/hosts$/);
      await eventually(
        () => row.getAttribute('data-state'),
        (s) => s === 'connected',
        'the SSH host still connected',
      );
      await page.evaluate(() => {
        (globalThis as unknown as { __noReload?: boolean }).__noReload = true;
      });
      await row.getByTestId('host-menu').click();
      await page.getByTestId('host-edit').click();
      const pinField = page.getByTestId('host-edit-fingerprint');
      await pinField.waitFor();
      assert.equal(await pinField.inputValue(), real, 'the edit form shows the current pin');
      await pinField.fill(wrong);
      await page.getByTestId('host-edit-submit').click();
      await unlockIfAsked(page, ADMIN_PW);
      await pinField.waitFor({ state: 'hidden' });
      await eventually(
        () => row.getAttribute('data-state'),
        (s) => s === 'unreachable',
        'the SSH host to go unreachable with a wrong pin',
      );
      const mismatch = await eventually(
        () => reason.innerText(),
        (t) => /mismatch/i.test(t),
        'a mismatch reason',
      );
      assert.ok(mismatch.includes(wrong), `the reason names the pinned key: ${mismatch}`);
      assert.ok(mismatch.includes(real), `the reason names the presented key: ${mismatch}`);
      assert.ok((await row.innerText()).includes(`pinned ${wrong}`), 'the wrong pin is kept, not replaced');
      await confirmBox.waitFor();
      assert.equal((await presented.innerText()).trim(), real, 'the presented key is offered again');
      const confirmText = await confirmBox.innerText();
      assert.match(confirmText, /does not match the pinned one/i);
      assert.ok(confirmText.includes(wrong), 'the alert names the pinned key');
      await page.getByTestId('host-confirm-key-submit').waitFor();
      await eventually(
        async () => Number((await row.getByTestId('host-container-count').innerText()).trim()),
        (n) => n === 0,
        'nothing listed from a host with a mismatched key',
      );
      assert.ok(await noReload(), 'the row changed without a page reload');
      await confirmBox.scrollIntoViewIfNeeded();
      await shot(page, 'ssh-host-mismatch');

      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    } catch (err) {
      await shot(page, 'zz-ssh-failure').catch(() => undefined);
      throw withServerOutput(err, server.output());
    } finally {
      await context.close().catch(() => undefined);
    }
  },
);
