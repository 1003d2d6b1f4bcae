import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Test helpers for the real Docker engine. Tests never skip: a missing engine is a loud failure. */

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const BASE_IMAGE = 'airlock/base:bookworm';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const UNREACHABLE = `Docker engine not reachable at ${DOCKER_SOCKET}: start dockerd (.ci/run does)`;

/** One raw Engine API request over the socket (no dockerode: test support checks the engine itself). */
function engineRequest(
  method: string,
  apiPath: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: DOCKER_SOCKET, path: apiPath, method, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The docker CLI; rejects with its stderr. */
export function dockerCli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Throws a loud error unless the engine answers `/_ping` on the socket. */
export async function requireDocker(): Promise<void> {
  if (!existsSync(DOCKER_SOCKET)) throw new Error(`${UNREACHABLE} (socket file missing)`);
  try {
    const r = await engineRequest('GET', '/_ping');
    if (r.status !== 200) throw new Error(`/_ping answered HTTP ${r.status}`);
  } catch (err) {
    throw new Error(`${UNREACHABLE} (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

/** Builds the base image with images/build-base.sh if it is missing (about a minute the first time). */
export async function ensureBaseImage(): Promise<void> {
  await requireDocker();
  const r = await engineRequest('GET', `/images/${encodeURIComponent(BASE_IMAGE)}/json`);
  if (r.status === 200) return;
  if (r.status !== 404) throw new Error(`checking image ${BASE_IMAGE}: HTTP ${r.status} ${r.body}`);
  const build = spawnSync('bash', [path.join(root, 'images/build-base.sh')], {
    cwd: root,
    stdio: 'inherit',
    timeout: 15 * 60_000,
  });
  if (build.status !== 0) {
    throw new Error(
      `images/build-base.sh failed (exit ${String(build.status)}${build.error ? `, ${build.error.message}` : ''})`,
    );
  }
}

/** A unique container name for this test run: `airlock-test-<random>-<suffix>`. */
export const testName = (suffix: string): string =>
  `airlock-test-${randomBytes(4).toString('hex')}-${suffix}`;

/** Force-removes containers the test created (by exact name or id); missing ones are fine. */
export async function removeContainers(refs: readonly string[]): Promise<void> {
  await Promise.all(
    refs.map(async (ref) => {
      const r = await engineRequest(
        'DELETE',
        `/containers/${encodeURIComponent(ref)}?force=true&v=true`,
        20_000,
      );
      if (r.status !== 204 && r.status !== 404)
        throw new Error(`removing ${ref}: HTTP ${r.status} ${r.body}`);
    }),
  );
}

/** Polls `fn` until it returns a truthy value or the time runs out; the last value is in the error. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  { timeoutMs = 20_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
