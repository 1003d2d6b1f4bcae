// The Fleet acceptance path in a real browser against the built server and a real dockerd:
// add the local engine through Settings → Hosts (unlock) → the unhealthy container is the first row
// → stop/start a container and watch its state change live → follow logs → a shell runs a command →
// an agent host's token is shown once. Screenshots of each page go to test-artifacts/e2e/.
// Needs Debian Chromium at /usr/bin/chromium, a running dockerd and a prior `node scripts/build.mjs`.
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

const run = promisify(execFile);
const STEP = 20_000;
const ADMIN_PW = 'correct horse battery';

// One prefix per run: the search box narrows the fleet to this run's containers, so containers
// other tests leave on the same engine cannot change which row is first.
const PREFIX = `airlock-e2e-${randomBytes(3).toString('hex')}`;
const HEALTHY = `${PREFIX}-healthy`;
const SICK = `${PREFIX}-sick`;
const CHATTY = `${PREFIX}-chatty`;
const created: string[] = [];

let server: E2eServer | undefined;
let browser: Browser | undefined;

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 });
  return stdout.trim();
}

async function runContainer(name: string, extra: string[], cmd: string[]): Promise<void> {
  created.push(name);
  await docker('run', '-d', '--name', name, '--label', `airlock.e2e=${PREFIX}`, ...extra, BASE_IMAGE, ...cmd);
}

before(async () => {
  requireChromium();
  await requireDocker();
  await ensureBaseImage();
  await prepareShots();
  await runContainer(HEALTHY, [], ['sleep', 'infinity']);
  await runContainer(
    SICK,
    ['--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1', '--health-timeout', '1s'],
    ['sleep', 'infinity'],
  );
  await runContainer(
    CHATTY,
    [],
    [
      'sh',
      '-c',
      'i=0; while true; do i=$((i+1)); echo "tick $i"; if [ $((i % 4)) -eq 0 ]; then echo "warn $i" >&2; fi; sleep 0.2; done',
    ],
  );
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await removeContainers(created);
});

const row = (page: Page, name: string) => page.locator(`[data-testid="fleet-row"][data-name="${name}"]`);

test(
  'fleet: add a host, red first, live actions, logs, shell, agent token',
  { timeout: 180_000 },
  async () => {
    assert.ok(server && browser);
    const { url } = server;
    const { context, page, pageErrors } = await loopbackPage(browser, {
      viewport: { width: 1366, height: 860 },
      timeoutMs: STEP,
    });

    try {
      // 1. Setup lands on the Fleet, which explains that there are no hosts yet.
      await page.goto(`${url}/setup?token=${encodeURIComponent(server.setupToken)}`);
      await page.getByTestId('setup-username').fill('admin');
      await page.getByTestId('setup-password').fill(ADMIN_PW);
      await page.getByTestId('setup-confirm').fill(ADMIN_PW);
      await page.getByTestId('setup-submit').click();
      await page.waitForURL(/\/fleet$/);
      await page.getByTestId('fleet-empty').waitFor();
      assert.match(await page.getByTestId('fleet-empty').innerText(), /no hosts/i);

      // 2. Add the local engine through Settings → Hosts; creating a host needs an unlock.
      await page.getByTestId('fleet-add-host').click();
      await page.waitForURL(/\/settings\/hosts$/);
      await page.getByTestId('host-add').click();
      await page.getByTestId('host-label').fill('this machine');
      assert.equal(await page.getByTestId('host-socket').inputValue(), '/var/run/docker.sock');
      await page.getByTestId('host-submit').click();
      assert.ok(await unlockIfAsked(page, ADMIN_PW), 'adding a host asked for an unlock');
      const hostRow = page.locator('[data-testid="host-row"][data-label="this machine"]');
      await hostRow.waitFor();
      await eventually(
        () => hostRow.getAttribute('data-state'),
        (s) => s === 'connected',
        'the local host to connect',
      );

      // 3. The Fleet, narrowed to this run's containers: the unhealthy one turns red and goes first.
      await page.getByTestId('nav-fleet').click();
      await page.getByTestId('fleet-search').fill(PREFIX);
      await page.waitForURL(new RegExp(`q=${PREFIX}`));
      await eventually(
        () => page.getByTestId('fleet-row').count(),
        (n) => n === 3,
        'three containers of this run',
      );
      await eventually(
        () => row(page, SICK).getAttribute('data-status'),
        (s) => s === 'red',
        'the failing healthcheck to turn the container red (live, without reload)',
      );
      await eventually(
        () => page.getByTestId('fleet-row').first().getAttribute('data-name'),
        (n) => n === SICK,
        'the red container to be the first row',
      );
      assert.match(await row(page, SICK).innerText(), /unhealthy/i);
      assert.equal(await row(page, HEALTHY).getAttribute('data-status'), 'green');
      const redCount = Number(await page.getByTestId('fleet-count-red').getAttribute('data-count'));
      assert.ok(redCount >= 1, `the header counts the red container (${redCount})`);
      await shot(page, 'fleet');

      // 4. Open the healthy container; stop and start it and watch the state change on screen.
      await row(page, HEALTHY).click();
      await page.waitForURL(/\/fleet\/[^/]+\/[0-9a-f]{64}/);
      await page.getByTestId('container-overview').waitFor();
      assert.equal((await page.getByTestId('container-name').innerText()).trim(), HEALTHY);
      await shot(page, 'container-overview');
      const headerState = page.getByTestId('container-header-state');
      await page.getByTestId('action-stop').click();
      await eventually(
        () => headerState.innerText(),
        (s) => /exited/.test(s),
        'the container to show exited',
      );
      // The live update can arrive before the stop request returns; Start is offered once both are in.
      await eventually(
        () => page.getByTestId('action-start').isEnabled(),
        (enabled) => enabled,
        'start to be offered once stopped',
      );
      await page.getByTestId('action-start').click();
      await eventually(
        () => headerState.innerText(),
        (s) => /running/.test(s),
        'the container to run again',
      );
      const afterStart = await docker('inspect', '-f', '{{.State.Running}}', HEALTHY);
      assert.equal(afterStart, 'true', 'the engine agrees it runs');

      // 5. Shell: unlock if asked, run a command, read its output from the terminal.
      await page.getByTestId('tab-shell').click();
      const unlockButton = page.getByTestId('shell-unlock');
      if (await unlockButton.isVisible()) {
        await unlockButton.click();
        await unlockIfAsked(page, ADMIN_PW);
      }
      const connect = page.getByTestId('shell-connect');
      if (await connect.isVisible()) await connect.click();
      await eventually(
        () => page.getByTestId('shell-status').getAttribute('data-state'),
        (s) => s === 'ready',
        'the shell to be ready',
      );
      await page.locator('.xterm').click();
      await page.keyboard.type('echo airlock-$((6*7))');
      await page.keyboard.press('Enter');
      await eventually(
        () => page.locator('.xterm-rows').innerText(),
        (t) => t.includes('airlock-42'),
        'airlock-42 in the terminal',
      );
      await shot(page, 'container-shell');
      await page.getByTestId('shell-disconnect').click();

      // 6. Logs of the chatty container: new lines keep arriving; stderr is marked.
      await page.getByTestId('back-to-fleet').click();
      await row(page, CHATTY).click();
      await page.getByTestId('tab-logs').click();
      const lines = page.getByTestId('log-line');
      await lines.first().waitFor();
      const status = page.getByTestId('logs-status');
      const countOf = async () => Number(/(\d+) lines?/.exec(await status.innerText())?.[1] ?? 0);
      const first = await countOf();
      await eventually(countOf, (n) => n >= first + 5, 'new log lines to arrive while following');
      await page.locator('[data-testid="log-line"][data-stream="stderr"]').first().waitFor();
      await page.getByTestId('logs-search').fill('warn');
      await page.getByTestId('logs-match-count').waitFor();
      assert.match(await page.getByTestId('logs-match-count').innerText(), /\d+ match/);
      await page.getByTestId('logs-search').fill('');
      await shot(page, 'container-logs');
      // Pause closes the stream and keeps the lines; resume reloads the tail and follows again.
      await page.getByTestId('logs-follow').click();
      await eventually(
        () => status.getAttribute('data-state'),
        (s) => s === 'paused',
        'logs to pause',
      );
      const paused = await countOf();
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(await countOf(), paused, 'no lines arrive while paused');
      await page.getByTestId('logs-follow').click();
      await eventually(
        () => status.getAttribute('data-state'),
        (s) => s === 'streaming',
        'logs to resume',
      );

      // 6b. The red container's State tab explains why: the failing healthcheck's log.
      await page.getByTestId('back-to-fleet').click();
      await row(page, SICK).click();
      await page.getByTestId('tab-state').click();
      await page.getByTestId('container-health-log').waitFor();
      assert.match(await page.getByTestId('status-reason').first().innerText(), /unhealthy/i);
      await shot(page, 'container-state');

      // 7. Hosts page, then an agent host whose token is shown once.
      await page.getByTestId('nav-hosts').click();
      await hostRow.waitFor();
      await shot(page, 'hosts');
      await page.getByTestId('host-add').click();
      await page.getByTestId('host-kind').getByText('Remote over SSH').click();
      await page.getByTestId('host-label').fill('web-01');
      await page.getByTestId('host-ssh-host').fill('bad host!');
      await page.getByTestId('host-submit').click();
      // Checked with the contract's own schema before anything is sent: the message sits by its field.
      await page.getByText(/the SSH host is a DNS name/i).waitFor();
      await shot(page, 'add-host-ssh');
      await page.getByTestId('host-kind').getByText('Push agent').click();
      await page.getByTestId('host-label').fill('edge-box');
      await page.getByTestId('host-protected').check();
      await page.getByTestId('host-submit').click();
      await unlockIfAsked(page, ADMIN_PW);
      const token = page.getByTestId('agent-token');
      await token.waitFor();
      const secret = (await token.innerText()).trim();
      assert.match(secret, /^alh_/);
      assert.ok(
        (await page.getByTestId('agent-install').innerText()).includes(secret),
        'install command has the token',
      );
      await shot(page, 'add-host-agent-token');
      await page.getByTestId('agent-token-close').click();
      await token.waitFor({ state: 'hidden' });
      await page.locator('[data-testid="host-row"][data-label="edge-box"]').waitFor();
      assert.ok(!(await page.content()).includes(secret), 'the token is not shown again');

      // 8. Dark theme: the red row and the log view stay readable.
      await page.goto(`${url}/fleet?q=${PREFIX}`);
      await row(page, SICK).waitFor();
      const scheme = () => page.locator('html').getAttribute('data-mantine-color-scheme');
      while ((await scheme()) !== 'dark') {
        const before = await scheme();
        await page.getByTestId('theme-toggle').click();
        await eventually(scheme, (s) => s !== before, 'the colour scheme to change');
      }
      await page.mouse.move(640, 700);
      await page.getByRole('tooltip').waitFor({ state: 'hidden' });
      await shot(page, 'fleet-dark');
      await row(page, CHATTY).click();
      await page.getByTestId('tab-logs').click();
      await page.locator('[data-testid="log-line"][data-stream="stderr"]').first().waitFor();
      await shot(page, 'container-logs-dark');

      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    } catch (err) {
      await shot(page, 'zz-fleet-failure').catch(() => undefined);
      throw withServerOutput(err, server.output());
    } finally {
      await context.close().catch(() => undefined);
    }
  },
);
