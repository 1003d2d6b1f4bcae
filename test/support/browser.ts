// Helpers for browser tests and the page benchmark: start Debian Chromium the same way everywhere,
// take screenshots into test-artifacts/e2e/, and poll a page until it shows what a step expects.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './e2e-server';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = path.join(repoRoot, 'test-artifacts/e2e');

// Headless in a container as root: no sandbox, no GPU, and nothing that phones home, so a run
// makes no traffic beyond the loopback server under test.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Throws a loud error when Chromium is missing; browser tests never skip. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the e2e tests need Debian Chromium. Install it with \`apt-get install chromium\`.`,
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Creates the screenshot folder; call once before the first `shot`. */
export async function prepareShots(): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
}

/**
 * Saves `test-artifacts/e2e/<name>.png`. Animations are disabled so modals are not captured half
 * faded in. By default the mouse is parked in the corner first, so no hover tooltip or highlight
 * ends up in the picture, and only the viewport is captured.
 */
export async function shot(
  page: Page,
  name: string,
  { fullPage = false, parkMouse = true }: { fullPage?: boolean; parkMouse?: boolean } = {},
): Promise<void> {
  if (parkMouse) await page.mouse.move(1, 1);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage, animations: 'disabled' });
}

/**
 * Polls until `read()` satisfies `ok`, or fails with the last value seen. Unlike `waitFor` in
 * ./docker, an error thrown by `read` fails at once (a closed page will not recover), and the
 * accepted value is returned even when it is falsy (a count of 0).
 */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  { timeoutMs = 20_000, intervalMs = 150 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await read();
  }
  return last;
}

/** Answers the unlock prompt if one opens within 3 s; false when none did (already unlocked). */
export async function unlockIfAsked(page: Page, password: string): Promise<boolean> {
  const field = page.getByTestId('unlock-password');
  try {
    await field.waitFor({ timeout: 3_000 });
  } catch {
    return false;
  }
  await field.click({ trial: true });
  await field.fill(password);
  await page.getByTestId('unlock-submit').click();
  // Either the prompt closes, or it shows why the server refused: fail with that reason, not with
  // a bare timeout on the field.
  const refusal = page.getByRole('dialog').getByTestId('form-error');
  // (The loser of the race settles later, so neither may reject unhandled.)
  const outcome = await Promise.race([
    field.waitFor({ state: 'hidden' }).then(
      () => 'closed' as const,
      (err: unknown) => err,
    ),
    refusal.waitFor().then(
      () => 'refused' as const,
      () => new Promise<never>(() => undefined),
    ),
  ]);
  if (outcome === 'refused') assert.fail(`the unlock was refused: ${await refusal.innerText()}`);
  if (outcome !== 'closed') throw outcome;
  return true;
}

/**
 * Adds the tail of the server's output to a failing test's error, in its message and its stack
 * (the test reporter prints the stack Playwright captured when it threw).
 */
export function withServerOutput(err: unknown, output: string): unknown {
  if (err instanceof Error) {
    const tail = `\n--- server output ---\n${output.slice(-4000)}`;
    err.message += tail;
    if (err.stack) err.stack += tail;
  }
  return err;
}

/**
 * A fresh context and its first page that may reach only the loopback server under test (any
 * other request is aborted, so a page that fetches from the internet fails its test). Uncaught
 * page errors collect in `pageErrors` for the test to assert on at the end.
 */
export async function loopbackPage(
  browser: Browser,
  { viewport, timeoutMs }: { viewport: { width: number; height: number }; timeoutMs: number },
): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport, acceptDownloads: false });
  context.setDefaultTimeout(timeoutMs);
  await context.route(
    (u) => u.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page, pageErrors };
}
