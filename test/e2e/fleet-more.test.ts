// More Fleet flows in a real browser against the built server and a real dockerd, none of which
// test/e2e/fleet.test.ts covers: a push-agent host end to end (add in the UI, report over HTTP, live
// rows, read-only container page, masked env, token rotation), removing a container through the
// type-the-name modal, the Stats/Ports/Networks/Mounts/Labels tabs on real data, and what a viewer
// sees. Screenshots go to test-artifacts/e2e/. Needs Debian Chromium at /usr/bin/chromium, a running
// dockerd and a prior `node scripts/build.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
import { adminWithLocalHost, startServer, type AdminCall, type E2eServer } from '../support/e2e-server';
import { fakeReport } from '../fixtures/docker-report';

const run = promisify(execFile);
const STEP = 20_000;
const ADMIN_PW = 'correct horse battery';
const VIEWER = { username: 'vera', password: 'viewer password 123' };

// Own prefix, distinct from fleet.test.ts, so the two files can share one engine at the same time.
const PREFIX = `airlock-e2e-more-${randomBytes(3).toString('hex')}`;
const DOOMED = `${PREFIX}-doomed`;
const KEEPER = `${PREFIX}-keeper`;
const WEB = `${PREFIX}-web`;
const AGENT_LABEL = 'edge-e2e';
const SECRET_VALUE = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const created: string[] = [];

let server: E2eServer | undefined;
let browser: Browser | undefined;
let mountDir: string | undefined;
/** The admin's API calls, for setup steps that are not under test. */
let api: AdminCall = () => Promise.reject(new Error('the deck is not set up yet'));

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 });
  return stdout.trim();
}

async function createContainer(verb: 'run' | 'create', name: string, extra: string[]): Promise<void> {
  created.push(name);
  const detach = verb === 'run' ? ['-d'] : [];
  await docker(
    verb,
    ...detach,
    '--name',
    name,
    '--label',
    `airlock.e2e=${PREFIX}`,
    ...extra,
    BASE_IMAGE,
    'sleep',
    'infinity',
  );
}

/** POST a push-agent report with the given token, no session cookie. */
async function ingest(token: string, report: unknown): Promise<{ status: number; text: string }> {
  assert.ok(server);
  const res = await fetch(`${server.url}/api/ingest/docker`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(report),
  });
  return { status: res.status, text: await res.text() };
}

before(async () => {
  requireChromium();
  await requireDocker();
  await ensureBaseImage();
  await prepareShots();
  mountDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-mount-'));
  await createContainer('create', DOOMED, []);
  await createContainer('create', KEEPER, []);
  await createContainer('run', WEB, [
    '-p',
    '127.0.0.1::8080',
    '--label',
    'tier=e2e',
    '-v',
    `${mountDir}:/data`,
  ]);
  server = await startServer();

  ({ api } = await adminWithLocalHost(server, ADMIN_PW));

  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await removeContainers(created);
  if (mountDir) await rm(mountDir, { recursive: true, force: true });
});

const row = (page: Page, name: string) => page.locator(`[data-testid="fleet-row"][data-name="${name}"]`);
const hostRow = (page: Page, label: string) =>
  page.locator(`[data-testid="host-row"][data-label="${label}"]`);

/** A fresh browser context signed in through the login page; only loopback traffic is allowed. */
async function signedIn(
  username: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  assert.ok(server && browser);
  const {
    context,
    page,
    pageErrors: errors,
  } = await loopbackPage(browser, {
    viewport: { width: 1366, height: 860 },
    timeoutMs: STEP,
  });
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/fleet/);
  return { context, page, errors };
}

/** Runs one browser flow; on failure saves a screenshot and appends the server's output. */
async function flow(
  name: string,
  username: string,
  password: string,
  body: (page: Page, context: BrowserContext) => Promise<void>,
): Promise<void> {
  assert.ok(server);
  const { context, page, errors } = await signedIn(username, password);
  try {
    await body(page, context);
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  } catch (err) {
    await shot(page, `zz-${name}-failure`).catch(() => undefined);
    throw withServerOutput(err, server.output());
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** Everything the user can read on the page, plus the DOM (attributes, hidden nodes). */
async function everything(page: Page): Promise<string> {
  return `${await page.locator('body').innerText()}\n${await page.content()}`;
}

test(
  'push-agent host: add, report, live rows, read-only page, masked env, rotate',
  { timeout: 120_000 },
  () =>
    flow('agent', 'admin', ADMIN_PW, async (page) => {
      assert.ok(server);
      // Add the agent host through Settings → Hosts; the token is shown once.
      await page.getByTestId('nav-hosts').click();
      await page.waitForURL(/\/settings\/hosts$/);
      await page.getByTestId('host-add').click();
      await page.getByTestId('host-kind').getByText('Push agent').click();
      await page.getByTestId('host-label').fill(AGENT_LABEL);
      await page.getByTestId('host-submit').click();
      await unlockIfAsked(page, ADMIN_PW);
      const tokenBox = page.getByTestId('agent-token');
      await tokenBox.waitFor();
      const token = (await tokenBox.innerText()).trim();
      // The deck was opened at 127.0.0.1 with no publicUrl: the install line says it only works here.
      assert.match(await page.getByTestId('agent-install-warning').innerText(), /127\.0\.0\.1.*publicUrl/s);
      await shot(page, 'agent-install-warning');
      assert.match(token, /^alh_[^_\s]+_\S+$/);
      await page.getByTestId('agent-token-close').click();
      await tokenBox.waitFor({ state: 'hidden' });
      assert.equal(await hostRow(page, AGENT_LABEL).getAttribute('data-kind'), 'agent');

      // Open the Fleet first, then report: the rows must arrive over the live stream, no reload.
      const hosts = JSON.parse((await api('GET', '/api/hosts')).text) as {
        items: { id: string; label: string }[];
      };
      const agentId = hosts.items.find((h) => h.label === AGENT_LABEL)?.id;
      assert.ok(agentId, 'the agent host is listed by the API');
      await page.goto(`${server.url}/fleet?host=${encodeURIComponent(agentId)}`);
      await page.getByTestId('fleet-empty').waitFor();
      assert.match(await page.getByTestId('fleet-empty').innerText(), /no containers match/i);
      await page.evaluate(() => {
        (globalThis as unknown as { __noReload?: boolean }).__noReload = true;
      });
      const agentRows = page.locator(`[data-testid="fleet-row"][data-host="${AGENT_LABEL}"]`);
      assert.equal(await agentRows.count(), 0, 'no agent containers before the first report');
      const report = fakeReport(5, 'edge-e2e');
      const inspect = report.inspect as { Config: { Env: string[] } }[];
      inspect[1]!.Config.Env = [`API_TOKEN=${SECRET_VALUE}`, 'PLAIN=hello'];
      const posted = await ingest(token, report);
      assert.equal(posted.status, 202, `ingest answered ${posted.status}: ${posted.text}`);
      await eventually(
        () => agentRows.count(),
        (n) => n === 5,
        'the five reported containers on the Fleet',
      );
      assert.ok(
        await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload === true),
        'the rows arrived without a page reload',
      );
      // svc-0 is unhealthy in the report: it is red like any other red container.
      assert.equal(await row(page, 'svc-0').getAttribute('data-status'), 'red');

      // The container page of a push host: read-only, no actions, no logs, no shell.
      await row(page, 'svc-1').click();
      await page.waitForURL(/\/fleet\/[^/]+\/[0-9a-f]{64}/);
      await page.getByTestId('container-overview').waitFor();
      assert.equal((await page.getByTestId('container-name').innerText()).trim(), 'svc-1');
      assert.equal((await page.getByTestId('container-host').innerText()).trim(), AGENT_LABEL);
      await eventually(
        () => page.locator('body').innerText(),
        (t) => /read-only push host/i.test(t),
        'the page to say it is a read-only push host',
      );
      assert.equal(
        await page.locator('[data-testid^="action-"]').count(),
        0,
        'no action buttons on a push host container',
      );
      await shot(page, 'agent-host-container');
      await page.getByTestId('tab-logs').click();
      await page.getByTestId('readonly-push-host').waitFor();
      assert.match(await page.getByTestId('readonly-push-host').innerText(), /no logs/i);
      assert.equal(await page.getByTestId('log-line').count(), 0, 'no log lines');
      await page.getByTestId('tab-shell').click();
      await page.getByTestId('readonly-push-host').waitFor();
      assert.match(await page.getByTestId('readonly-push-host').innerText(), /no shell/i);
      assert.equal(await page.locator('.xterm').count(), 0, 'no terminal');
      assert.equal(await page.getByTestId('shell-connect').count(), 0, 'no shell connect button');

      // Env: the secret-looking value is masked everywhere on the page; the plain one is shown.
      await page.getByTestId('tab-env').click();
      const env = page.getByTestId('container-env');
      await env.waitFor();
      const apiTokenRow = env.locator('tr', { hasText: 'API_TOKEN' });
      await apiTokenRow.getByTestId('env-masked').waitFor();
      assert.match(await env.locator('tr', { hasText: 'PLAIN' }).innerText(), /PLAIN\s+hello/);
      const all = await everything(page);
      assert.ok(!all.includes(SECRET_VALUE), 'the raw secret is nowhere in the page');
      assert.ok(!all.includes('ghp_'), 'not even its prefix');
      await shot(page, 'container-env-masked');

      // Rotate the token from the host menu: a new token, shown once; the old one is refused at once.
      await page.getByTestId('nav-hosts').click();
      await hostRow(page, AGENT_LABEL).getByTestId('host-menu').click();
      await page.getByTestId('host-rotate').click();
      await unlockIfAsked(page, ADMIN_PW);
      await tokenBox.waitFor();
      const rotated = (await tokenBox.innerText()).trim();
      assert.match(rotated, /^alh_/);
      assert.notEqual(rotated, token, 'rotation gives a new token');
      await page.getByTestId('agent-token-close').click();
      await tokenBox.waitFor({ state: 'hidden' });
      assert.ok(!(await page.content()).includes(rotated), 'the new token is not shown again');
      const old = await ingest(token, fakeReport(5, 'edge-e2e'));
      assert.equal(old.status, 401, `the old token after rotation: ${old.status} ${old.text}`);
      const fresh = await ingest(rotated, fakeReport(5, 'edge-e2e'));
      assert.equal(fresh.status, 202, `the new token: ${fresh.status} ${fresh.text}`);
    }),
);

test('remove a stopped container through the type-the-name modal', { timeout: 90_000 }, () =>
  flow('remove', 'admin', ADMIN_PW, async (page, context) => {
    assert.ok(server);
    // A second tab watches the Fleet: the row must vanish there live.
    const watcher = await context.newPage();
    await watcher.goto(`${server.url}/fleet?q=${PREFIX}`);
    await row(watcher, DOOMED).waitFor();
    await row(watcher, KEEPER).waitFor();

    await page.goto(`${server.url}/fleet?q=${PREFIX}`);
    await row(page, DOOMED).click();
    await page.waitForURL(/\/fleet\/[^/]+\/[0-9a-f]{64}/);
    await page.getByTestId('container-header-state').waitFor();
    assert.equal((await page.getByTestId('container-name').innerText()).trim(), DOOMED);
    assert.match(await page.getByTestId('container-header-state').innerText(), /created/);
    await page.getByTestId('action-remove').click();
    const nameField = page.getByTestId('remove-confirm-name');
    const submit = page.getByTestId('remove-submit');
    await nameField.waitFor();
    // A wrong name (a prefix, a different case) is not accepted: submit stays disabled, Enter does nothing.
    for (const wrong of ['', DOOMED.slice(0, -1), DOOMED.toUpperCase(), `${DOOMED} `]) {
      await nameField.fill(wrong);
      assert.ok(await submit.isDisabled(), `submit is disabled for ${JSON.stringify(wrong)}`);
    }
    await nameField.press('Enter');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await nameField.isVisible(), 'Enter with a wrong name keeps the modal open');
    assert.equal(await docker('inspect', '-f', '{{.Name}}', DOOMED), `/${DOOMED}`, 'still there');
    await nameField.fill(DOOMED);
    assert.ok(await submit.isEnabled(), 'the exact name enables Remove');
    await shot(page, 'remove-confirm');
    await submit.click();
    await unlockIfAsked(page, ADMIN_PW);
    await page.waitForURL(/\/fleet(\?|$)/);

    // Gone from both tabs without a reload, while the other container of this run stays listed.
    await eventually(
      () => row(watcher, DOOMED).count(),
      (n) => n === 0,
      'the row to vanish in the other tab',
    );
    await row(watcher, KEEPER).waitFor();
    await page.goto(`${server.url}/fleet?q=${PREFIX}`);
    await row(page, KEEPER).waitFor();
    assert.equal(await row(page, DOOMED).count(), 0, 'the removed container is not listed');
    const inspect = await run('docker', ['inspect', DOOMED]).then(
      () => 'exists',
      (e: { stderr?: string }) => e.stderr ?? 'failed',
    );
    assert.match(inspect, /no such (object|container)/i, 'docker inspect says it is gone');
    await watcher.close();
  }),
);

test('Stats, Ports, Networks, Mounts and Labels tabs show the real container', { timeout: 90_000 }, () =>
  flow('tabs', 'admin', ADMIN_PW, async (page) => {
    assert.ok(server && mountDir);
    const published = await docker('port', WEB, '8080/tcp');
    const hostPort = /127\.0\.0\.1:(\d+)/.exec(published)?.[1];
    assert.ok(hostPort, `docker port: ${published}`);
    const ip = await docker('inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', WEB);

    await page.goto(`${server.url}/fleet?q=${PREFIX}`);
    await row(page, WEB).click();
    await page.getByTestId('container-overview').waitFor();

    await page.getByTestId('tab-ports').click();
    const ports = page.getByTestId('container-ports');
    await ports.waitFor();
    const portRow = ports.locator('tbody tr', { hasText: '8080' });
    assert.match(await portRow.innerText(), new RegExp(`8080\\s+tcp\\s+127\\.0\\.0\\.1:${hostPort}`));
    await shot(page, 'container-ports');

    await page.getByTestId('tab-labels').click();
    const labels = page.getByTestId('container-labels');
    await labels.waitFor();
    assert.match(await labels.locator('tr', { hasText: 'tier' }).innerText(), /^tier\s+e2e$/m);
    assert.match(await labels.innerText(), new RegExp(`airlock\\.e2e\\s+${PREFIX}`));

    await page.getByTestId('tab-mounts').click();
    const mounts = page.getByTestId('container-mounts');
    await mounts.waitFor();
    const mountRow = await mounts.locator('tbody tr', { hasText: '/data' }).innerText();
    assert.ok(mountRow.includes(mountDir), `the mount source is shown: ${mountRow}`);
    assert.match(mountRow, /bind/);
    assert.match(mountRow, /read-write/);

    await page.getByTestId('tab-networks').click();
    const nets = page.getByTestId('container-networks');
    await nets.waitFor();
    const bridge = await nets.locator('tbody tr', { hasText: 'bridge' }).innerText();
    assert.ok(ip && bridge.includes(ip), `the bridge IP ${ip} is shown: ${bridge}`);

    await page.getByTestId('tab-stats').click();
    const stats = page.getByTestId('container-stats');
    await stats.waitFor();
    const memText = await eventually(
      () => stats.innerText(),
      (t) => /Memory\s+\d+(\.\d+)? (B|KiB|MiB|GiB)/i.test(t),
      'a memory figure in the Stats tab',
    );
    assert.match(memText, /Processes\s+\d+/i);
  }),
);

test('a viewer sees the Fleet but no actions, no Add host and no shell', { timeout: 90_000 }, async () => {
  assert.ok(server);
  const createdUser = await api('POST', '/api/users', { ...VIEWER, role: 'viewer' });
  assert.equal(createdUser.status, 201, `creating the viewer: ${createdUser.status} ${createdUser.text}`);
  await flow('viewer', VIEWER.username, VIEWER.password, async (page) => {
    assert.ok(server);
    await page.goto(`${server.url}/fleet?q=${PREFIX}`);
    await row(page, WEB).waitFor();
    await row(page, KEEPER).waitFor();
    assert.equal(await page.getByTestId('fleet-add-host').count(), 0);
    await shot(page, 'fleet-viewer');

    await row(page, WEB).click();
    await page.getByTestId('container-overview').waitFor();
    assert.equal(await page.locator('[data-testid^="action-"]').count(), 0, 'no action buttons for a viewer');
    await page.getByTestId('tab-shell').click();
    await page.getByTestId('shell-forbidden').waitFor();
    assert.match(await page.getByTestId('shell-forbidden').innerText(), /operator/i);
    assert.equal(await page.locator('.xterm').count(), 0, 'no terminal');

    await page.getByTestId('nav-hosts').click();
    await page.waitForURL(/\/settings\/hosts$/);
    await hostRow(page, 'this machine').waitFor();
    assert.equal(await page.getByTestId('host-add').count(), 0, 'no Add host button for a viewer');
    assert.equal(await page.getByTestId('host-menu').count(), 0, 'no host menu for a viewer');
  });
});
