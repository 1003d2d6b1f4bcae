// Fleet scale: 10,000 containers across 50 push hosts, seeded through the real ingest route.
// (a) GET /api/containers over a real loopback socket (serialization included), p50/p95, against
//     GET /api/health on the same socket and session.
// (b) The built server + web in Chromium: from navigation start to the first container row shown
//     and the search box echoing a real keystroke (time to interactive), median of 5 cold loads,
//     against the same page with the same 50 hosts and no containers.
import { existsSync, statSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { CSRF_HEADER, SESSION_COOKIE, type Me } from '@airlock/contract/auth';
import type { ContainerList } from '@airlock/contract/fleet';
import type { CreatedHost } from '@airlock/contract/hosts';
import { startTestApp } from '../test/support/app';
import { launchChromium, requireChromium } from '../test/support/browser';
import { repoRoot, startServer, type E2eServer } from '../test/support/e2e-server';
import { fakeReport } from '../test/fixtures/docker-report';
import { profiled, type HotSpot } from './profile';
import { createAgentHost, log, median, metric, percentile, type Metric } from './lib';

export const HOSTS = 50;
export const PER_HOST = 200;
const API_SAMPLES = 50;
const LOADS = 5;
const ADMIN = { username: 'bench-admin', password: 'bench password 123' };

// ---- (a) the API over a socket ----------------------------------------------------------------

async function timeGets(
  url: string,
  cookie: string,
  n: number,
  expect: (body: string) => void,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
    const body = await res.text();
    out.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}: ${body.slice(0, 300)}`);
    if (i === 0) expect(body);
  }
  return out;
}

async function apiBench(profileDir?: string): Promise<{ metrics: Metric[]; hot?: HotSpot[] }> {
  const t = await startTestApp();
  try {
    await t.app.fastify.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.fastify.server.address() as AddressInfo).port}`;
    const admin = await t.setup();
    await t.unlock(admin);
    const t0 = performance.now();
    for (let i = 0; i < HOSTS; i++) {
      const label = `host-${i}`;
      const h = await createAgentHost(t, admin, label);
      const res = await fetch(`${base}/api/ingest/docker`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify(fakeReport(PER_HOST, label)),
      });
      if (res.status !== 202) throw new Error(`ingest for ${label}: HTTP ${res.status}: ${await res.text()}`);
    }
    log(`scale: seeded ${HOSTS * PER_HOST} containers in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Let the push hosts' deferred snapshot writes (2 s after a report) land before measuring,
    // so the samples time the query, not 50 snapshot serializations that happen once.
    await new Promise((r) => setTimeout(r, 2_500));
    const cookie = admin.cookie!;
    let bytes = 0;
    const check = (body: string) => {
      bytes = body.length;
      const list = JSON.parse(body) as ContainerList;
      if (list.total !== HOSTS * PER_HOST || list.items.length !== HOSTS * PER_HOST)
        throw new Error(
          `expected ${HOSTS * PER_HOST} containers, the API listed ${list.items.length}/${list.total}`,
        );
    };
    // Warm up both routes (JIT, connection pool).
    await timeGets(`${base}/api/containers`, cookie, 5, check);
    await timeGets(`${base}/api/health`, cookie, 5, () => undefined);
    let list: number[];
    let hot: HotSpot[] | undefined;
    if (profileDir) {
      const p = await profiled(
        () => timeGets(`${base}/api/containers`, cookie, API_SAMPLES, check),
        path.join(profileDir, 'scale-api.cpuprofile'),
      );
      list = p.result;
      hot = p.hot;
    } else list = await timeGets(`${base}/api/containers`, cookie, API_SAMPLES, check);
    const health = await timeGets(`${base}/api/health`, cookie, API_SAMPLES, () => undefined);
    const p50 = median(list);
    const metrics = [
      metric({
        bench: 'scale',
        name: `GET /api/containers p50, ${HOSTS * PER_HOST} containers`,
        unit: 'ms',
        value: p50,
        target: { op: '<=', value: 50 },
        baseline: { name: 'GET /api/health p50', value: median(health) },
        detail: {
          p95: percentile(list, 95),
          max: Math.max(...list),
          healthP95: percentile(health, 95),
          samples: API_SAMPLES,
          responseMiB: bytes / 1024 / 1024,
        },
      }),
      metric({
        bench: 'scale',
        name: `GET /api/containers p95`,
        unit: 'ms',
        value: percentile(list, 95),
        baseline: { name: 'GET /api/health p95', value: percentile(health, 95) },
      }),
    ];
    return { metrics, ...(hot ? { hot } : {}) };
  } finally {
    await t.close();
  }
}

// ---- (b) the Fleet page in Chromium -----------------------------------------------------------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    newest = Math.max(newest, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** Warns (does not rebuild: others may be running e2e tests from dist) when the build is older than its sources. */
function checkBuild(): void {
  const server = path.join(repoRoot, 'apps/server/dist/main.js');
  const web = path.join(repoRoot, 'apps/web/dist/index.html');
  for (const f of [server, web, path.join(repoRoot, 'apps/cli/dist/airlock.js')])
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`node scripts/build.mjs\` first`);
  const srcNewest = Math.max(
    newestMtime(path.join(repoRoot, 'apps/server/src')),
    newestMtime(path.join(repoRoot, 'apps/web/src')),
    newestMtime(path.join(repoRoot, 'packages/contract/src')),
  );
  const built = Math.min(statSync(server).mtimeMs, statSync(web).mtimeMs);
  if (srcNewest > built)
    log(
      `scale: WARNING the build is older than its sources by ${((srcNewest - built) / 60_000).toFixed(0)} min; ` +
        'run `node scripts/build.mjs` to measure the current code',
    );
}

interface Session {
  cookie: string;
  csrf: string;
}

async function api(
  s: E2eServer,
  method: string,
  url: string,
  opts: { session?: Session; body?: unknown; bearer?: string; raw?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (opts.session) {
    headers.cookie = `${SESSION_COOKIE}=${opts.session.cookie}`;
    headers[CSRF_HEADER] = opts.session.csrf;
  }
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${s.url}${url}`, { method, headers, ...(body !== undefined ? { body } : {}) });
}

async function ok(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status)
    throw new Error(`${what}: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res;
}

function cookieOf(res: Response): string {
  for (const c of res.headers.getSetCookie()) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(c);
    if (m?.[1]) return m[1];
  }
  throw new Error('no session cookie in the response');
}

interface Load {
  /** First container row (or the empty state) in the DOM, ms after navigation start. */
  contentMs: number;
  /** The search box echoed a real keystroke, ms after navigation start. */
  interactiveMs: number;
}

async function loadFleet(browser: Browser, s: E2eServer, cookie: string, expectRows: boolean): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    await context.addCookies([{ name: SESSION_COOKIE, value: cookie, url: s.url }]);
    const page = await context.newPage();
    // A string, not a function: tsx (esbuild keepNames) would wrap named inner functions in a
    // `__name` helper that does not exist in the page.
    const selector = expectRows ? '[data-testid="fleet-row"]' : '[data-testid="fleet-empty"]';
    await page.addInitScript(`(() => {
      const b = (window.__bench = {});
      new MutationObserver(() => {
        if (b.contentAt === undefined && document.querySelector(${JSON.stringify(selector)}))
          b.contentAt = performance.now();
      }).observe(document, { childList: true, subtree: true });
      document.addEventListener('input', (e) => {
        const el = e.target;
        if (b.inputAt === undefined && el && el.getAttribute('data-testid') === 'fleet-search' && el.value)
          b.inputAt = performance.now();
      }, true);
    })();`);
    await page.goto(`${s.url}/fleet`, { waitUntil: 'commit' });
    const content = page.getByTestId(expectRows ? 'fleet-row' : 'fleet-empty').first();
    try {
      await content.waitFor({ state: 'visible', timeout: 30_000 });
    } catch (err) {
      const shot = path.join(repoRoot, 'bench/results/scale-failure.png');
      await page.screenshot({ path: shot }).catch(() => undefined);
      throw new Error(
        `${(err as Error).message}
(screenshot: ${shot})`,
        { cause: err },
      );
    }
    // A real keystroke through the browser's input pipeline: it is handled only when the main thread is free.
    await page.getByTestId('fleet-search').press('z', { timeout: 30_000 });
    // Polled with a string expression: tsx would wrap a function's names in a missing `__name` helper.
    const deadline = Date.now() + 30_000;
    let b: { contentAt?: number; inputAt?: number } = {};
    for (;;) {
      const got: unknown = await page.evaluate('({ ...window.__bench })');
      b = got as typeof b;
      if (b.contentAt !== undefined && b.inputAt !== undefined) break;
      if (Date.now() > deadline)
        throw new Error(`the Fleet page never echoed the keystroke: ${JSON.stringify(b)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { contentMs: b.contentAt, interactiveMs: Math.max(b.contentAt, b.inputAt) };
  } finally {
    await context.close();
  }
}

async function browserBench(): Promise<Metric[]> {
  requireChromium();
  checkBuild();
  const s = await startServer();
  let browser: Browser | undefined;
  try {
    await ok(
      await api(s, 'POST', '/api/setup', { body: { token: s.setupToken, ...ADMIN } }),
      201,
      'POST /api/setup',
    );
    const login = await ok(await api(s, 'POST', '/api/auth/login', { body: ADMIN }), 200, 'login');
    const me = (await login.json()) as Me;
    const session = { cookie: cookieOf(login), csrf: me.csrfToken ?? '' };
    await ok(
      await api(s, 'POST', '/api/auth/unlock', { session, body: { password: ADMIN.password } }),
      200,
      'unlock',
    );
    const hosts: { label: string; token: string }[] = [];
    for (let i = 0; i < HOSTS; i++) {
      const label = `host-${i}`;
      const res = await ok(
        await api(s, 'POST', '/api/hosts', {
          session,
          body: { kind: 'agent', label, intervalSeconds: 3600 },
        }),
        201,
        `POST /api/hosts ${label}`,
      );
      hosts.push({ label, token: ((await res.json()) as CreatedHost).agentToken ?? '' });
    }

    browser = await launchChromium();
    // One throwaway load each, so neither side pays for Chromium's first start-up.
    await loadFleet(browser, s, session.cookie, false);
    const empty: Load[] = [];
    for (let i = 0; i < LOADS; i++) empty.push(await loadFleet(browser, s, session.cookie, false));

    const t0 = performance.now();
    for (const h of hosts) {
      await ok(
        await api(s, 'POST', '/api/ingest/docker', {
          bearer: h.token,
          raw: JSON.stringify(fakeReport(PER_HOST, h.label)),
        }),
        202,
        `ingest ${h.label}`,
      );
    }
    const listed = (await (
      await api(s, 'GET', '/api/containers?limit=1', { session })
    ).json()) as ContainerList;
    if (listed.total !== HOSTS * PER_HOST)
      throw new Error(`expected ${HOSTS * PER_HOST} containers on the built server, it has ${listed.total}`);
    log(`scale: seeded the built server over HTTP in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const full: Load[] = [];
    for (let i = 0; i < LOADS; i++) full.push(await loadFleet(browser, s, session.cookie, true));
    const tti = median(full.map((l) => l.interactiveMs));
    const ttiEmpty = median(empty.map((l) => l.interactiveMs));
    return [
      metric({
        bench: 'scale',
        name: `Fleet page time to interactive, ${HOSTS * PER_HOST} containers (median of ${LOADS})`,
        unit: 'ms',
        value: tti,
        target: { op: '<=', value: 1500 },
        baseline: { name: 'same page, 0 containers', value: ttiEmpty },
        detail: {
          firstRowMedian: median(full.map((l) => l.contentMs)),
          emptyStateMedian: median(empty.map((l) => l.contentMs)),
          loads: full.map((l) => Math.round(l.interactiveMs)).join('/'),
          baselineLoads: empty.map((l) => Math.round(l.interactiveMs)).join('/'),
        },
      }),
    ];
  } finally {
    await browser?.close().catch(() => undefined);
    await s.stop();
  }
}

/** The API numbers survive a browser failure (a half-written page, a missing Chromium). */
export async function scaleBench(
  profileDir?: string,
): Promise<{ metrics: Metric[]; hot?: HotSpot[]; error?: Error }> {
  const { metrics, hot } = await apiBench(profileDir);
  try {
    metrics.push(...(await browserBench()));
    return { metrics, ...(hot ? { hot } : {}) };
  } catch (error) {
    return {
      metrics,
      ...(hot ? { hot } : {}),
      error: error instanceof Error ? error : new Error('the browser measurement failed', { cause: error }),
    };
  }
}
