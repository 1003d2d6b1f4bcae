// The sealed-session pages of issue 9 in a real browser against the built server, its real gateway
// process and the bubblewrap runtime: a credential and a profile with a passthrough route are made (and edited)
// through the UI (unlock), the profile shows its Unscanned badge, a bad route is refused with the
// reason next to its field (first by the form's own check, then by the server), a session's blocked
// request shows in the sessions drawer, a viewer sees everything read-only, and while the gateway is
// kept down every page says so until it is back. Contrast is measured by axe on each page, light and
// dark. Screenshots go to test-artifacts/e2e/sessions-*.png.
// Needs Debian Chromium at /usr/bin/chromium, bubblewrap and socat, and a prior `node scripts/build.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
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
import { describeFailures, measureContrast, useScheme, type Scheme } from '../support/axe';
import { holdGatewayDown, startServer, type E2eServer } from '../support/e2e-server';

const STEP = 20_000;
const ADMIN_PW = 'correct horse battery';
const VIEWER_PW = 'viewer horse battery';
const SECRET = 'sk-e2e-0123456789abcdef';
const SCHEMES: readonly Scheme[] = ['light', 'dark'];
const MODAL = '.mantine-Modal-content';
const DRAWER = '.mantine-Drawer-content';

let server: E2eServer | undefined;
let browser: Browser | undefined;

before(async () => {
  requireChromium();
  for (const bin of ['/usr/bin/bwrap', '/usr/bin/socat'])
    if (!existsSync(bin))
      throw new Error(
        `${bin} is missing: the bubblewrap sandbox runtime needs it (apt-get install bubblewrap socat)`,
      );
  await prepareShots();
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
});

/** Calls the API with the page's session cookie and CSRF token, as the page itself would. */
async function api(page: Page, method: string, path: string, body?: unknown) {
  const me = await page.request.get(`${server!.url}/api/auth/me`);
  const { csrfToken } = (await me.json()) as { csrfToken: string };
  const res = await page.request.fetch(`${server!.url}${path}`, {
    method,
    headers: {
      'x-csrf-token': csrfToken,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { data: JSON.stringify(body) }),
  });
  return { status: res.status(), json: (await res.json()) as Record<string, unknown> };
}

async function gatewayState(): Promise<string> {
  const res = await fetch(`${server!.url}/api/health`);
  return ((await res.json()) as { gateway: { state: string } }).gateway.state;
}

const routeEditor = (page: Page, i: number) =>
  page.locator(`[data-testid="route-editor"][data-index="${i}"]`);

test(
  'sessions pages: credentials, profiles with unscanned routes and field errors, sessions, gateway banner',
  { timeout: 300_000 },
  async () => {
    assert.ok(server && browser);
    const { url } = server;
    const { context, page, pageErrors } = await loopbackPage(browser, {
      viewport: { width: 1366, height: 860 },
      timeoutMs: STEP,
    });
    const problems: string[] = [];

    /** axe's contrast rule on the page (or only `within`), light and dark; failures are collected. */
    async function contrast(label: string, within?: string) {
      if (!within) await page.locator('.mantine-Modal-overlay').waitFor({ state: 'detached' });
      // A long modal scrolls under its own sticky title, and axe cannot measure text something
      // overlaps: a viewport tall enough to show the whole form lets it read every text.
      const viewport = page.viewportSize();
      if (within === MODAL && viewport) await page.setViewportSize({ width: viewport.width, height: 2400 });
      for (const scheme of SCHEMES) {
        await useScheme(page, scheme);
        const report = await measureContrast(page, within);
        if (report.failures.length) problems.push(describeFailures(`${label} (${scheme})`, report.failures));
        if (report.undecided.length)
          problems.push(
            `${label} (${scheme}): axe could not measure:\n${report.undecided
              .map((u) => `  "${u.text}"  ${u.why}  ${u.target}`)
              .join('\n')}`,
          );
      }
      await useScheme(page, 'light');
      if (within === MODAL && viewport) await page.setViewportSize(viewport);
    }

    try {
      // Setup signs the admin in.
      await page.goto(`${url}/setup?token=${encodeURIComponent(server.setupToken)}`);
      await page.getByTestId('setup-username').fill('admin');
      await page.getByTestId('setup-password').fill(ADMIN_PW);
      await page.getByTestId('setup-confirm').fill(ADMIN_PW);
      await page.getByTestId('setup-submit').click();
      await page.waitForURL(/\/fleet$/);
      // The gateway is up: no banner (it would be there within a poll if the deck thought otherwise).
      await eventually(gatewayState, (s) => s === 'up', 'the gateway to be up');
      assert.equal(await page.getByTestId('gateway-banner').count(), 0);

      // 1. Credentials: add one through the form (write-only value, unlock), see it masked.
      await page.getByTestId('nav-credentials').click();
      await page.waitForURL(/\/credentials$/);
      await page.getByTestId('credentials-empty').waitFor();
      await page.getByTestId('credential-add').click();
      await page.getByTestId('credential-name').fill('api-key');
      await page.getByTestId('credential-value').fill(SECRET);
      assert.equal(await page.getByTestId('credential-value').getAttribute('type'), 'password');
      await page.getByTestId('credential-hosts').fill('api.test');
      await page.getByTestId('credential-env').fill('API_KEY');
      await contrast('add credential modal', MODAL);
      await shot(page, 'sessions-credential-add');
      await page.getByTestId('credential-submit').click();
      assert.ok(await unlockIfAsked(page, ADMIN_PW), 'adding a credential asked for an unlock');
      const credRow = page.locator('[data-testid="credential-row"][data-name="api-key"]');
      await credRow.waitFor();
      assert.equal(await credRow.getByTestId('credential-masked').innerText(), 'sk-…cdef');
      assert.match(await credRow.getByTestId('credential-used-by').innerText(), /no profile/);

      // 2. A profile with an injected route, a passthrough route and a bad one.
      await page.getByTestId('nav-profiles').click();
      await page.waitForURL(/\/profiles$/);
      await page.getByTestId('profiles-empty').waitFor();
      await page.getByTestId('profile-new').click();
      await page.getByTestId('profile-name').fill('agent');
      await page.getByTestId('profile-runtime').getByText('bubblewrap').click();
      for (let i = 0; i < 3; i++) await page.getByTestId('route-add').click();
      await page.getByTestId('route-0-host').fill('api.test');
      await page.getByTestId('route-0-credential').selectOption('api-key');
      await page.getByTestId('route-1-host').fill('registry.example.org');
      await page.getByTestId('route-1-passthrough').check();
      await routeEditor(page, 1).getByTestId('route-editor-unscanned').waitFor();
      await page.getByTestId('route-2-host').fill('not a host!');
      await page.getByTestId('route-2-ports').fill('443, https');

      // The form's own check (the contract's schema) puts each reason on its field; nothing is sent.
      await page.getByTestId('profile-submit').click();
      const bad = routeEditor(page, 2);
      await bad.getByText(/A route host is a DNS name/).waitFor();
      await bad.getByText('"https" is not a port: a port is a number from 1 to 65535').waitFor();
      assert.equal(await routeEditor(page, 0).locator('.mantine-InputWrapper-error').count(), 0);
      assert.equal(await page.getByTestId('unlock-password').count(), 0, 'an invalid form is not sent');
      await contrast('profile form with field errors', MODAL);
      await bad.scrollIntoViewIfNeeded();
      await shot(page, 'sessions-profile-form-errors');

      // A route the schema accepts but the server refuses: the credential is not bound to its host.
      await page.getByTestId('route-2-host').fill('other.test');
      await page.getByTestId('route-2-ports').fill('');
      await page.getByTestId('route-2-credential').selectOption('api-key');
      await page.getByTestId('profile-submit').click();
      await unlockIfAsked(page, ADMIN_PW);
      await bad
        .getByText(
          'Credential "api-key" may be sent only to "api.test", which does not cover the route host "other.test"',
        )
        .waitFor();
      assert.equal(
        await bad.locator('.mantine-InputWrapper-error').count(),
        1,
        'the reason sits on one field',
      );
      assert.equal(await page.getByRole('dialog').getByTestId('form-error').count(), 0, 'and in no alert');
      await bad.scrollIntoViewIfNeeded();
      await shot(page, 'sessions-profile-server-error');

      // Without the credential it is saved, and the page shows the profile.
      await page.getByTestId('route-2-credential').selectOption('');
      await page.getByTestId('profile-submit').click();
      await page.waitForURL(/\/profiles\/agent$/);
      const detail = page.getByTestId('profile-detail');
      await detail.waitFor();
      await page.getByTestId('profile-unscanned').waitFor();
      assert.equal(await page.getByTestId('route-row').count(), 3);
      const passRow = page.locator('[data-testid="route-row"][data-host="registry.example.org"]');
      assert.equal(await passRow.getAttribute('data-unscanned'), 'true');
      assert.match(await passRow.getByTestId('unscanned-help').innerText(), /without TLS interception/);
      for (const host of ['api.test', 'other.test']) {
        const r = page.locator(`[data-testid="route-row"][data-host="${host}"]`);
        assert.equal(await r.getAttribute('data-unscanned'), 'false', `${host} is intercepted`);
        assert.equal(await r.getByTestId('unscanned-badge').count(), 0);
      }
      assert.equal(
        await page
          .locator('[data-testid="route-row"][data-host="api.test"]')
          .getByTestId('route-credential')
          .innerText(),
        'api-key',
      );
      await contrast('profile detail');
      // The badge explains itself (hover or keyboard focus).
      await passRow.getByTestId('unscanned-badge').hover();
      const tip = page.getByRole('tooltip');
      await tip.waitFor();
      assert.match(await tip.innerText(), /no credential injection, no exfiltration scan/);
      await shot(page, 'sessions-profile-detail', { parkMouse: false });
      await page.mouse.move(1, 1);

      // Editing opens the stored profile; a change is saved and shown at once.
      await page.getByTestId('profile-detail-edit').click();
      assert.equal(await page.getByTestId('route-1-host').inputValue(), 'registry.example.org');
      assert.ok(await page.getByTestId('route-1-passthrough').isChecked());
      await page.getByTestId('route-1-ports').fill('443');
      await page.getByTestId('profile-submit').click();
      await unlockIfAsked(page, ADMIN_PW);
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await eventually(
        () => passRow.locator('td').nth(1).innerText(),
        (t) => t.trim() === '443',
        'the edited ports to show',
      );

      await page.getByTestId('nav-profiles').click();
      const listRow = page.locator('[data-testid="profile-row"][data-name="agent"]');
      await listRow.waitFor();
      assert.equal(await listRow.getAttribute('data-unscanned'), 'true');
      assert.equal(await listRow.getByTestId('profile-route-count').innerText(), '3');
      assert.match(await listRow.innerText(), /bubblewrap/);
      await contrast('profiles list');
      await shot(page, 'sessions-profiles');

      await page.getByTestId('nav-credentials').click();
      await eventually(
        () => credRow.getByTestId('credential-used-by').innerText(),
        (t) => t.trim() === 'agent',
        'the credential to list the profile that uses it',
      );
      await contrast('credentials');
      await shot(page, 'sessions-credentials');
      assert.ok(!(await page.content()).includes(SECRET), 'the value never comes back to the page');

      // 3. A session (the API starts them; this page lists them) and a request its gateway refuses.
      const created = await api(page, 'POST', '/api/sessions', { profile: 'agent' });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const sessionId = String(created.json.id);
      const probe = [
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        'http://blocked.example/some/path',
      ];
      const blocked = await api(page, 'POST', `/api/sessions/${sessionId}/exec`, { argv: probe });
      assert.equal(blocked.status, 200, JSON.stringify(blocked.json));
      assert.equal(blocked.json.stdout, '403', `the gateway refused: ${JSON.stringify(blocked.json)}`);

      await page.getByTestId('nav-sessions').click();
      await page.waitForURL(/\/sessions$/);
      const sessionRow = page.locator(`[data-testid="session-row"][data-id="${sessionId}"]`);
      await sessionRow.waitFor();
      assert.equal(await sessionRow.getAttribute('data-state'), 'running');
      await eventually(
        () => sessionRow.getByTestId('session-blocked').innerText(),
        (t) => Number(t) >= 1,
        'the blocked request to be counted',
      );
      await contrast('sessions');
      await shot(page, 'sessions-list');
      await sessionRow.getByTestId('session-open').click();
      await page.waitForURL(new RegExp(`session=${sessionId}`));
      const blockRow = page.locator('[data-testid="session-block"][data-host="blocked.example"]').first();
      await blockRow.waitFor();
      assert.match(await blockRow.innerText(), /GET/);
      assert.match(await blockRow.innerText(), /\/some\/path/);
      assert.ok((await blockRow.getAttribute('data-rule'))?.length, 'the block names its rule');
      await page.getByTestId('session-remove').waitFor();
      await contrast('session drawer', DRAWER);
      await shot(page, 'sessions-drawer');
      // A second refusal arrives live in the open drawer.
      await api(page, 'POST', `/api/sessions/${sessionId}/exec`, {
        argv: ['curl', '-s', '-o', '/dev/null', 'http://second.example/'],
      });
      await page.locator('[data-testid="session-block"][data-host="second.example"]').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('session-drawer').waitFor({ state: 'hidden' });

      // 4. A viewer reads everything and changes nothing.
      const viewer = await api(page, 'POST', '/api/users', {
        username: 'viewer1',
        password: VIEWER_PW,
        role: 'viewer',
      });
      assert.equal(viewer.status, 201, JSON.stringify(viewer.json));
      const v = await loopbackPage(browser, { viewport: { width: 1366, height: 860 }, timeoutMs: STEP });
      try {
        await v.page.goto(`${url}/login`);
        await v.page.getByTestId('login-username').fill('viewer1');
        await v.page.getByTestId('login-password').fill(VIEWER_PW);
        await v.page.getByTestId('login-submit').click();
        await v.page.waitForURL(/\/fleet$/);
        assert.equal(
          await v.page.getByTestId('nav-credentials').count(),
          0,
          'no credentials entry for a viewer',
        );
        await v.page.getByTestId('nav-profiles').click();
        await v.page.locator('[data-testid="profile-row"][data-name="agent"]').waitFor();
        assert.equal(await v.page.getByTestId('profile-new').count(), 0);
        assert.equal(await v.page.getByTestId('profile-menu').count(), 0);
        await v.page.locator('[data-testid="profile-row"][data-name="agent"] a').click();
        await v.page.getByTestId('profile-unscanned').waitFor();
        assert.equal(await v.page.getByTestId('profile-detail-edit').count(), 0);
        await shot(v.page, 'sessions-viewer-profile');
        await v.page.getByTestId('nav-sessions').click();
        await v.page.locator(`[data-testid="session-row"][data-id="${sessionId}"]`).waitFor();
        assert.equal(
          await v.page.getByTestId('session-row-remove').count(),
          0,
          'viewers cannot remove sessions',
        );
        await v.page.goto(`${url}/credentials`);
        await v.page.getByTestId('credentials-role').waitFor();
        await shot(v.page, 'sessions-viewer-credentials');
        assert.deepEqual(v.pageErrors, []);
      } finally {
        await v.context.close();
      }

      // 5. The gateway goes down (and crashes at every restart): every page says so, steadily.
      const hold = holdGatewayDown(server);
      let released = false;
      try {
        await eventually(gatewayState, (s) => s !== 'up', 'health to report the gateway not up');
        const banner = page.getByTestId('gateway-banner');
        await banner.waitFor({ timeout: 8_000 });
        assert.match(
          await banner.innerText(),
          /Egress gateway down: no traffic leaves any sandbox until it is back/,
        );
        // No flicker through the supervisor's restarts (down, starting, down...).
        for (let i = 0; i < 15; i++) {
          assert.equal(await banner.count(), 1, `the banner stays while the gateway is down (sample ${i})`);
          await page.waitForTimeout(200);
        }
        assert.ok(hold.kills() >= 2, `the supervisor restarted it meanwhile (${hold.kills()} kills)`);
        await contrast('gateway banner', '[data-testid="gateway-banner"]');
        await shot(page, 'sessions-gateway-down');
        // On every page, not only this one.
        await page.getByTestId('nav-fleet').click();
        await page.waitForURL(/\/fleet$/);
        await banner.waitFor();
        await page.getByTestId('nav-profiles').click();
        await banner.waitFor();
        await shot(page, 'sessions-gateway-down-profiles');
        // Nothing leaves the sandbox meanwhile: with no gateway behind its socket, no request gets an answer.
        const cut = await api(page, 'POST', `/api/sessions/${sessionId}/exec`, { argv: probe });
        assert.equal(
          cut.json.stdout,
          '000',
          `no answer while the gateway is down: ${JSON.stringify(cut.json)}`,
        );
        hold.release();
        released = true;
      } finally {
        if (!released) hold.release();
      }

      // 6. It comes back (after the supervisor's backoff): the banner goes away on its own.
      await eventually(gatewayState, (s) => s === 'up', 'the gateway to come back', { timeoutMs: 30_000 });
      await page.getByTestId('gateway-banner').waitFor({ state: 'detached', timeout: 5_000 });
      await shot(page, 'sessions-gateway-back');
      // The session's policy was re-sent: it is refused by rule again, not cut off.
      await eventually(
        async () =>
          (await api(page, 'POST', `/api/sessions/${sessionId}/exec`, { argv: probe })).json.stdout as string,
        (out) => out === '403',
        'the session to be served by the gateway again',
      );

      // 7. An operator (here the admin) removes the session from its drawer.
      await page.getByTestId('nav-sessions').click();
      await sessionRow.getByTestId('session-open').click();
      await page.getByTestId('session-remove').click();
      await page.getByTestId('session-remove-submit').click();
      await sessionRow.waitFor({ state: 'detached' });
      await page.getByTestId('sessions-empty').waitFor();

      assert.deepEqual(problems, [], problems.join('\n\n'));
      assert.deepEqual(pageErrors, []);
    } catch (err) {
      await shot(page, 'sessions-failure').catch(() => undefined);
      throw withServerOutput(err, server.output());
    } finally {
      await context.close();
    }
  },
);
