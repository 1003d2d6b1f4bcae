// The container page while it stays open, in a real browser against the built server and a real
// dockerd (issue 8): an idle page costs nothing beyond the live stream, even after pause/unpause.
// Screenshots go to test-artifacts/e2e/. Needs Debian Chromium at /usr/bin/chromium, a running
// dockerd and a prior `node scripts/build.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
import { adminWithLocalHost, startServer, type E2eServer } from '../support/e2e-server';

const run = promisify(execFile);
const STEP = 20_000;
const ADMIN_PW = 'correct horse battery';

// Own prefix, so this file can share one engine with the other e2e files at the same time.
const PREFIX = `airlock-e2e-live-${randomBytes(3).toString('hex')}`;
const created: string[] = [];

let server: E2eServer | undefined;
let browser: Browser | undefined;
let hostId = '';

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 });
  return stdout.trim();
}

/** Starts `sleep infinity` under a name of this run; returns the full container id. */
async function runContainer(
  suffix: string,
  extra: string[] = [],
  cmd = ['sleep', 'infinity'],
): Promise<string> {
  const name = `${PREFIX}-${suffix}`;
  created.push(name);
  return docker(
    'run',
    '-d',
    '--name',
    name,
    '--label',
    `airlock.e2e=${PREFIX}`,
    ...extra,
    BASE_IMAGE,
    ...cmd,
  );
}

before(async () => {
  requireChromium();
  await requireDocker();
  await ensureBaseImage();
  await prepareShots();
  server = await startServer();
  ({ hostId } = await adminWithLocalHost(server, ADMIN_PW));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await removeContainers(created);
});

/** A fresh context signed in through the login page (which also unlocks: the password was just typed). */
async function flow(
  name: string,
  body: (page: Page, context: BrowserContext) => Promise<void>,
): Promise<void> {
  assert.ok(server && browser);
  const { context, page, pageErrors } = await loopbackPage(browser, {
    viewport: { width: 1366, height: 860 },
    timeoutMs: STEP,
  });
  try {
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PW);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/fleet/);
    await body(page, context);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } catch (err) {
    await shot(page, `zz-${name}-failure`).catch(() => undefined);
    throw withServerOutput(err, server.output());
  } finally {
    await context.close().catch(() => undefined);
  }
}

async function openContainer(page: Page, id: string): Promise<void> {
  assert.ok(server);
  await page.goto(`${server.url}/fleet/${encodeURIComponent(hostId)}/${id}`);
  await page.getByTestId('container-overview').waitFor();
}

/** Every HTTP request to /api/ the page makes from now on; the live stream's socket is not one. */
function countApiRequests(page: Page): { urls: string[]; stop: () => void } {
  const urls: string[] = [];
  const onRequest = (req: { url(): string }) => {
    const u = new URL(req.url());
    if (u.pathname.startsWith('/api/') && u.pathname !== '/api/stream') urls.push(u.pathname + u.search);
  };
  page.on('request', onRequest);
  return { urls, stop: () => page.off('request', onRequest) };
}

test('an idle container page sends no requests after pause and unpause', { timeout: 90_000 }, () =>
  flow('storm', async (page) => {
    const id = await runContainer('storm');
    await openContainer(page, id);
    const headerState = page.getByTestId('container-header-state');
    await eventually(
      () => headerState.innerText(),
      (s) => /running/.test(s),
      'the container to run',
    );

    await page.getByTestId('action-pause').click();
    await eventually(
      () => headerState.innerText(),
      (s) => /paused/.test(s),
      'the page to show paused',
    );
    await eventually(() => page.getByTestId('action-unpause').isEnabled(), Boolean, 'unpause to be offered');
    await page.getByTestId('action-unpause').click();
    await eventually(
      () => headerState.innerText(),
      (s) => /running/.test(s),
      'the page to show running again',
    );
    // Let the action's own answer and the engine's events settle before counting.
    await new Promise((r) => setTimeout(r, 1_500));

    const seen = countApiRequests(page);
    await new Promise((r) => setTimeout(r, 10_000));
    seen.stop();
    // Nothing changed, so there is nothing to ask for (the bug: ~150 detail requests a second).
    assert.ok(
      seen.urls.length === 0,
      `an idle page made ${seen.urls.length} API requests in 10 s: ${seen.urls.slice(0, 10).join(', ')}`,
    );
    assert.match(await headerState.innerText(), /running/);
  }),
);

test('a container removed outside Airlock says so on its open page, live', { timeout: 90_000 }, () =>
  flow('gone', async (page) => {
    const id = await runContainer('gone');
    await openContainer(page, id);
    const headerState = page.getByTestId('container-header-state');
    await eventually(
      () => headerState.innerText(),
      (s) => /running/.test(s),
      'the container to run',
    );
    assert.ok(await page.getByTestId('action-stop').isEnabled(), 'stop is offered while it runs');
    assert.equal(await page.getByTestId('container-gone').count(), 0, 'no banner while it exists');

    await docker('rm', '-f', id);
    const removedAt = Date.now();
    await page.getByTestId('container-gone').waitFor({ timeout: 5_000 });
    const took = Date.now() - removedAt;
    assert.match(await page.getByTestId('container-gone').innerText(), /no longer exists/i);
    assert.match(await headerState.innerText(), /removed/);
    for (const verb of ['start', 'stop', 'restart', 'pause', 'unpause', 'remove'])
      assert.equal(await page.getByTestId(`action-${verb}`).isDisabled(), true, `${verb} is disabled`);
    // The last known facts stay readable.
    assert.equal((await page.getByTestId('container-name').innerText()).trim(), `${PREFIX}-gone`);
    await shot(page, 'container-removed-banner');
    assert.ok(took < 5_000, `the banner took ${took} ms`);
  }),
);

test('a container stopped on purpose is amber on the Fleet; a failed one is red', { timeout: 90_000 }, () =>
  flow('stopped', async (page) => {
    assert.ok(server);
    // `sleep` as PID 1 ignores SIGTERM, so docker stop kills it after the grace period: 137.
    const killed = await runContainer('stopped-137');
    // With --init, tini passes SIGTERM on to sleep, which dies of it: 143.
    const termed = await runContainer('stopped-143', ['--init']);
    const failed = await runContainer('failed', [], ['sh', '-c', 'sleep 1; exit 3']);
    await docker('stop', '-t', '1', killed);
    await docker('stop', '-t', '5', termed);
    await docker('wait', failed);
    assert.equal(await docker('inspect', '-f', '{{.State.ExitCode}}', killed), '137');
    assert.equal(await docker('inspect', '-f', '{{.State.ExitCode}}', termed), '143');

    await page.goto(`${server.url}/fleet?q=${PREFIX}-`);
    const row = (suffix: string) =>
      page.locator(`[data-testid="fleet-row"][data-name="${PREFIX}-${suffix}"]`);
    for (const [suffix, code] of [
      ['stopped-137', 137],
      ['stopped-143', 143],
    ] as const) {
      await eventually(
        () => row(suffix).getAttribute('data-status'),
        (s) => s === 'amber',
        `${suffix} amber`,
      );
      assert.match(await row(suffix).innerText(), new RegExp(`stopped \\(exit ${code}\\)`));
    }
    await eventually(
      () => row('failed').getAttribute('data-status'),
      (s) => s === 'red',
      'the failed one red',
    );
    assert.match(await row('failed').innerText(), /exited with code 3/);
    await shot(page, 'fleet-stopped-amber');
  }),
);

test(
  'logs render ANSI colours, strip other control sequences, and stay readable in both themes',
  { timeout: 90_000 },
  () =>
    flow('ansi', async (page) => {
      // printf in the container writes the escape bytes themselves, as a coloured logger would.
      const script = [
        String.raw`printf '\033[32mINFO\033[0m server started on :8080\n'`,
        String.raw`printf '\033[33mWARN\033[0m \033[1mdisk\033[22m at \033[4m91%%\033[24m\n'`,
        String.raw`printf '\033[31;1mERROR\033[0m \033[38;5;208mupstream\033[0m \033[38;2;0;0;255mtimeout\033[0m\n' >&2`,
        String.raw`printf '\033]0;window title\007\033[2K\033[1Gprogress \033[?25ldone\033[?25h\n'`,
        String.raw`printf '\033[44;97m ON BLUE \033[0m \033[2mdim detail\033[0m \033[3mitalic\033[23m\n'`,
        'sleep infinity',
      ].join('; ');
      const id = await runContainer('ansi', [], ['sh', '-c', script]);
      await openContainer(page, id);
      await page.getByTestId('tab-logs').click();
      const lines = page.getByTestId('log-line');
      await eventually(
        () => lines.count(),
        (n) => n >= 5,
        'five log lines',
      );
      const texts = await lines.allInnerTexts();
      const all = texts.join('\n');
      assert.ok(!/\[\d+(;\d+)*m/.test(all), `no raw SGR codes are shown:\n${all}`);
      assert.ok(!all.includes('window title'), 'the OSC title is stripped');
      assert.ok(!all.includes('\u001b'), 'no ESC byte reaches the page');
      assert.ok(
        texts.some((t) => t.endsWith('progress done')),
        `other CSI are stripped:\n${all}`,
      );

      const info = page
        .getByTestId('log-line')
        .filter({ hasText: 'server started' })
        .locator('span', { hasText: 'INFO' });
      const styleOf = (loc: typeof info) =>
        loc.evaluate((el: unknown) => {
          // Runs in the page; the test's tsconfig has no DOM lib.
          const win = globalThis as unknown as {
            getComputedStyle(e: unknown): { color: string; fontWeight: string; textDecorationLine: string };
          };
          const cs = win.getComputedStyle(el);
          return { color: cs.color, weight: cs.fontWeight, decoration: cs.textDecorationLine };
        });
      const lightGreen = (await styleOf(info)).color;
      assert.match(lightGreen, /^rgb\(/, 'INFO has a colour of its own');
      const bold = page.getByTestId('log-line').locator('span', { hasText: 'disk' });
      assert.equal((await styleOf(bold)).weight, '700');
      const underlined = page.getByTestId('log-line').locator('span', { hasText: '91%' });
      assert.equal((await styleOf(underlined)).decoration, 'underline');
      // Search runs over the text as shown, across colour changes.
      await page.getByTestId('logs-search').fill('error upstream');
      await eventually(
        () => lines.count(),
        (n) => n === 1,
        'one line matching across colours',
      );
      await page.getByTestId('logs-search').fill('');
      await eventually(
        () => lines.count(),
        (n) => n >= 5,
        'all lines back',
      );
      await shot(page, 'container-logs-ansi-light');

      const scheme = () => page.locator('html').getAttribute('data-mantine-color-scheme');
      while ((await scheme()) !== 'dark') {
        const before = await scheme();
        await page.getByTestId('theme-toggle').click();
        await eventually(scheme, (s) => s !== before, 'the colour scheme to change');
      }
      await eventually(
        () => styleOf(info).then((s) => s.color),
        (c) => c !== lightGreen,
        'the colours to follow the dark theme',
      );
      // Away from the theme toggle, so its tooltip is not in the picture.
      await page.mouse.move(640, 700);
      await page.getByRole('tooltip').waitFor({ state: 'hidden' });
      await shot(page, 'container-logs-ansi-dark');
    }),
);

test('the shell survives switching tabs while the page is open', { timeout: 90_000 }, () =>
  flow('shell-tabs', async (page) => {
    const id = await runContainer('shell');
    await openContainer(page, id);
    await page.getByTestId('tab-shell').click();
    await page.locator('[data-testid="shell-unlock"], [data-testid="shell-connect"]').first().waitFor();
    const unlockButton = page.getByTestId('shell-unlock');
    if (await unlockButton.isVisible()) {
      await unlockButton.click();
      await unlockIfAsked(page, ADMIN_PW);
    }
    const connect = page.getByTestId('shell-connect');
    if (await connect.isVisible()) await connect.click();
    const status = page.getByTestId('shell-status');
    await eventually(
      () => status.getAttribute('data-state'),
      (s) => s === 'ready',
      'the shell to be ready',
    );
    const rows = page.locator('.xterm-rows');
    await page.locator('.xterm').click();
    await page.keyboard.type('echo marker1');
    await page.keyboard.press('Enter');
    await eventually(
      () => rows.innerText(),
      (t) => /^marker1$/m.test(t),
      'marker1 printed in the terminal',
    );

    // Away to Logs (and Overview), then back: the same session, with what it printed.
    await page.getByTestId('tab-logs').click();
    await page.getByTestId('logs-status').waitFor();
    await page.getByTestId('tab-overview').click();
    await page.getByTestId('container-overview').waitFor();
    await page.getByTestId('tab-shell').click();
    assert.equal(await status.getAttribute('data-state'), 'ready', 'the shell is still connected');
    // A reconnected shell would start on an empty screen; this one is redrawn with its history
    // (xterm paints on the next frame once visible again).
    await eventually(
      () => rows.innerText(),
      (t) => /^marker1$/m.test(t),
      'the terminal to still show marker1',
      { timeoutMs: 3_000 },
    );

    // And it still takes input.
    await page.locator('.xterm').click();
    await page.keyboard.type('echo marker$((1+1))');
    await page.keyboard.press('Enter');
    await eventually(
      () => rows.innerText(),
      (t) => /^marker2$/m.test(t),
      'marker2 after coming back',
    );
    await shot(page, 'container-shell-after-tabs');
  }),
);
