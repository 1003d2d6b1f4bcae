// The foundation acceptance path, end to end: built server + built web UI in headless Chromium +
// built CLI. Setup → audit verify → logout/login → create an operator (unlock) → operator is
// refused user management → operator mints an API token → CLI uses it → dark theme.
// Needs Debian Chromium at /usr/bin/chromium and a prior `node scripts/build.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  eventually,
  launchChromium,
  loopbackPage,
  prepareShots,
  requireChromium,
  shot as fullShot,
  withServerOutput,
} from '../support/browser';
import { runCli, startServer, type E2eServer } from '../support/e2e-server';

const STEP = 15_000;
const ADMIN_PW = 'correct horse battery';
const OPS_PW = 'operator staple 42';
/** What the admin sets for ops; ops must replace it at first sign-in (the form's default). */
const OPS_INITIAL = 'initial from the admin 1';

let server: E2eServer | undefined;
let browser: Browser | undefined;
let cliHome: string | undefined;

before(async () => {
  requireChromium();
  await prepareShots();
  server = await startServer();
  browser = await launchChromium();
  cliHome = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-cli-'));
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  if (cliHome) await rm(cliHome, { recursive: true, force: true });
});

const shot = (page: Page, name: string) => fullShot(page, name, { fullPage: true, parkMouse: false });

async function logout(page: Page): Promise<void> {
  await page.getByTestId('user-menu').click();
  await page.getByTestId('logout').click();
  await page.getByTestId('login-username').waitFor();
  await page.waitForURL(/\/login/);
}

async function login(page: Page, username: string, password: string, screenshot?: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  if (screenshot) await shot(page, screenshot);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nav-audit').waitFor();
}

async function unlock(page: Page, password: string, screenshot?: string): Promise<void> {
  const field = page.getByTestId('unlock-password');
  await field.waitFor();
  // A trial click checks the field would receive the click: the unlock modal is on top of the
  // modal that asked for it, not hidden behind it.
  await field.click({ trial: true });
  await field.fill(password);
  if (screenshot) await shot(page, screenshot);
  await page.getByTestId('unlock-submit').click();
  await field.waitFor({ state: 'hidden' });
}

test('foundation: setup, audit, users, roles, tokens, CLI, theme', { timeout: 120_000 }, async () => {
  assert.ok(server && browser && cliHome);
  const { url } = server;
  const { context, page, pageErrors } = await loopbackPage(browser, {
    viewport: { width: 1280, height: 800 },
    timeoutMs: STEP,
  });

  try {
    // 1. Setup via the printed link: the token is prefilled.
    await page.goto(`${url}/setup?token=${encodeURIComponent(server.setupToken)}`);
    const tokenField = page.getByTestId('setup-token');
    await tokenField.waitFor();
    assert.equal(await tokenField.inputValue(), server.setupToken, 'setup token is prefilled from the link');
    await page.getByTestId('setup-username').fill('admin');
    await page.getByTestId('setup-password').fill(ADMIN_PW);
    await page.getByTestId('setup-confirm').fill(ADMIN_PW);
    await shot(page, '01-setup');
    await page.getByTestId('setup-submit').click();
    await page.getByTestId('nav-audit').waitFor();
    assert.ok(!page.url().includes(server.setupToken), 'the setup token is replaced out of the address bar');
    await shot(page, '02-after-setup');

    // 2. Audit lists setup.complete; the chain verifies.
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-row').filter({ hasText: 'setup.complete' }).first().waitFor();
    await page.getByTestId('audit-verify').click();
    const verdict = page.getByTestId('audit-verify-result');
    await verdict.waitFor();
    assert.equal(await verdict.getAttribute('data-ok'), 'true');
    assert.match(await verdict.innerText(), /intact/i);
    await shot(page, '03-audit-verified');

    // 3. Log out, log back in as admin.
    await logout(page);
    await login(page, 'admin', ADMIN_PW, '04-login');

    // 4. Create the operator "ops"; creating users needs unlock.
    await page.getByTestId('nav-users').click();
    await page.locator('[data-testid="user-row"][data-username="admin"]').waitFor();
    await shot(page, '05-users');
    await page.getByTestId('user-new').click();
    await page.getByTestId('user-username').fill('ops');
    await page.getByTestId('user-password').fill(OPS_INITIAL);
    assert.ok(
      await page.getByTestId('user-must-change').isChecked(),
      'a new password must be chosen by default',
    );
    await page.getByTestId('user-role').selectOption('operator');
    await page.getByTestId('user-submit').click();
    await unlock(page, ADMIN_PW, '06-unlock-modal');
    const opsRow = page.locator('[data-testid="user-row"][data-username="ops"]');
    await opsRow.waitFor();
    assert.match(await opsRow.innerText(), /operator/i);
    await shot(page, '07-users-with-ops');

    assert.match(await opsRow.getByTestId('user-status').innerText(), /must change password/i);

    // 5. Ops signs in with the admin's password and can do nothing but replace it: the API refuses
    // the rest (password_change_required), the web shows only the form. Then user management is
    // refused to ops.
    await logout(page);
    await page.getByTestId('login-username').fill('ops');
    await page.getByTestId('login-password').fill(OPS_INITIAL);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('password-required').waitFor();
    const refused = await page.evaluate(async () => (await fetch('/api/containers')).status);
    assert.equal(refused, 403, 'the API refuses ops until the password is changed');
    await page.getByTestId('password-current').fill(OPS_INITIAL);
    await page.getByTestId('password-new').fill(OPS_PW);
    await shot(page, '07b-password-required');
    await page.getByTestId('password-confirm').fill(OPS_PW);
    await page.getByTestId('password-submit').click();
    await page.getByTestId('nav-audit').waitFor();
    // And from the account menu, ops can change it again (wrong current password refused first).
    await page.getByTestId('user-menu').click();
    await page.getByTestId('change-password').click();
    await page.getByTestId('password-current').fill('not the password at all');
    await page.getByTestId('password-new').fill('another new password');
    await page.getByTestId('password-confirm').fill('another new password');
    await page.getByTestId('password-submit').click();
    await page.getByText('Is wrong').waitFor();
    await page.getByTestId('password-current').fill(OPS_PW);
    await page.getByTestId('password-new').fill(OPS_PW + '!');
    await page.getByTestId('password-confirm').fill(OPS_PW + '!');
    await page.getByTestId('password-submit').click();
    await page.getByTestId('password-changed').waitFor();
    await shot(page, '07c-password-changed');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('password-changed').waitFor({ state: 'hidden' });
    // Back to OPS_PW for the rest of the flow.
    await page.getByTestId('user-menu').click();
    await page.getByTestId('change-password').click();
    await page.getByTestId('password-current').fill(OPS_PW + '!');
    await page.getByTestId('password-new').fill(OPS_PW);
    await page.getByTestId('password-confirm').fill(OPS_PW);
    await page.getByTestId('password-submit').click();
    await page.getByTestId('password-changed').waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    await logout(page);
    await login(page, 'ops', OPS_PW);
    await page.goto(`${url}/settings/users`);
    const forbidden = page.getByTestId('users-forbidden');
    await forbidden.waitFor();
    assert.match(await forbidden.innerText(), /admin/i);
    assert.equal(await page.locator('[data-testid="user-row"]').count(), 0, 'no user rows shown to ops');
    await shot(page, '08-ops-users-forbidden');

    // 6. As ops, mint an API token; the secret is shown once.
    await page.getByTestId('nav-tokens').click();
    await page.getByTestId('token-new').click();
    await page.getByTestId('token-name').fill('ci');
    await page.getByTestId('token-submit').click();
    await unlock(page, OPS_PW);
    const secretBox = page.getByTestId('token-secret');
    await secretBox.waitFor();
    const secret = await eventually(
      async () => (await secretBox.innerText()).trim(),
      (s) => s.startsWith('alk_'),
      'the token secret',
    );
    await shot(page, '09-token-secret');
    await page.getByTestId('token-close').click();
    await secretBox.waitFor({ state: 'hidden' });
    await page.locator('[data-testid="token-row"][data-name="ci"]').waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again after closing');
    await shot(page, '10-tokens');

    // 7. The CLI with the token.
    const env = { AIRLOCK_CONFIG_DIR: cliHome };
    const loginRes = await runCli(['login', '--url', url, '--token', secret], env);
    assert.equal(loginRes.code, 0, `login failed: ${loginRes.stderr}`);
    assert.ok(!loginRes.stdout.includes(secret), 'login does not print the secret');
    const configFiles = await readdir(cliHome);
    assert.ok(configFiles.includes('config.json'), `config.json written (found ${configFiles.join(', ')})`);
    const mode = (await stat(path.join(cliHome, 'config.json'))).mode & 0o777;
    assert.equal(mode, 0o600, `config.json mode is ${mode.toString(8)}`);

    const who = await runCli(['whoami', '--json'], env);
    assert.equal(who.code, 0, `whoami failed: ${who.stderr}`);
    assert.ok(!who.stdout.includes(secret), 'whoami does not print the secret');
    const me = JSON.parse(who.stdout) as { user: { username: string; role: string }; via: string };
    assert.equal(me.user.username, 'ops');
    assert.equal(me.user.role, 'operator');
    assert.equal(me.via, 'token');

    const verify = await runCli(['audit', 'verify', '--json'], env);
    assert.equal(verify.code, 0, `audit verify failed: ${verify.stderr}`);
    assert.ok(!verify.stdout.includes(secret));
    assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);

    const users = await runCli(['users', 'list'], env);
    assert.equal(users.code, 1, `users list should be refused: ${users.stdout} ${users.stderr}`);
    assert.match(users.stderr + users.stdout, /admin/i);
    assert.ok(!(users.stderr + users.stdout).includes(secret));

    // 8. Dark theme.
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-row').first().waitFor();
    const scheme = () => page.locator('html').getAttribute('data-mantine-color-scheme');
    const before = await scheme();
    await page.getByTestId('theme-toggle').click();
    await eventually(scheme, (s) => s !== before, 'the colour scheme to change');
    if ((await scheme()) !== 'dark') {
      await page.getByTestId('theme-toggle').click();
      await eventually(scheme, (s) => s === 'dark', 'dark colour scheme');
    }
    // Move off the toggle so its tooltip does not cover the header in the screenshot.
    await page.mouse.move(640, 700);
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
    await shot(page, '11-audit-dark');

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } catch (err) {
    await shot(page, 'zz-failure').catch(() => undefined);
    throw withServerOutput(err, server.output());
  } finally {
    await context.close().catch(() => undefined);
  }
});
