// Fleet (issue 3), push hosts end to end: the real agent/airlock-agent.sh (--once) against the real
// server on loopback. Masked env stays masked (and the raw secret is nowhere in the DB), bad tokens,
// malformed and oversized reports are refused without losing the last good data, push hosts are
// read-only (no actions, logs or exec), and a silent host goes stale. Real dockerd, never skipped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerDetail, ContainerStats } from '@airlock/contract/fleet';
import { INGEST_MAX_BYTES } from '@airlock/contract/ingest';
import { assertError } from '../support/app';
import { ensureBaseImage, removeContainers } from '../support/docker';
import {
  assertNotIn,
  createHost,
  fakeReport,
  getHost,
  ingest,
  inspectState,
  json,
  listContainers,
  randomHexId,
  runContainer,
  startFleetApp,
  storeBytes,
  waitFor,
  waitHostState,
  wsOutcome,
  type FleetApp,
} from '../support/fleet';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'agent/airlock-agent.sh');
const RUN = randomBytes(4).toString('hex');
const NAME = `airlock-test-${RUN}-push`;
const GH = `ghp_${randomBytes(27)
  .toString('base64')
  .replace(/[^A-Za-z0-9]/g, 'x')
  .slice(0, 36)}`;
const SECRETS = { API_TOKEN: GH, DB_PASSWORD: `hunter2-${RUN}`, GH_IN_PLAIN_NAME: `${GH}z` };

function runAgent(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', [SCRIPT, '--once'], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fleet: push agent against the real ingest route', () => {
  let f: FleetApp;
  let work = '';
  let tmpDir = '';
  let hostId = '';
  let token = '';
  let cid = '';

  const agentEnv = (tokenFile: string): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      TMPDIR: tmpDir,
      AIRLOCK_URL: f.url,
      AIRLOCK_HOST_TOKEN_FILE: tokenFile,
      AIRLOCK_HOSTNAME: `push-box-${RUN}`,
    };
    if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
    return env;
  };
  const tokenFile = (tok: string) => {
    const p = path.join(work, `token-${randomBytes(3).toString('hex')}`);
    writeFileSync(p, `${tok}\n`, { mode: 0o600 });
    return p;
  };

  before(async () => {
    await ensureBaseImage();
    cid = await runContainer(
      NAME,
      [
        '-e',
        `API_TOKEN=${SECRETS.API_TOKEN}`,
        '-e',
        `DB_PASSWORD=${SECRETS.DB_PASSWORD}`,
        '-e',
        `GH=${SECRETS.GH_IN_PLAIN_NAME}`,
        '-e',
        'PLAIN=visible',
      ],
      ['sleep', 'infinity'],
    );
    work = mkdtempSync(path.join(os.tmpdir(), 'airlock-fleet-ingest-'));
    tmpDir = path.join(work, 'tmp');
    mkdirSync(tmpDir);
    f = await startFleetApp();
    const created = await createHost(f, { kind: 'agent', label: `push-${RUN}` });
    hostId = created.host.id;
    token = created.agentToken as string;
    assert.ok(token);
  });

  after(async () => {
    await removeContainers([NAME]);
    await f?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves the agent script publicly as text/plain', async () => {
    const res = await f.t.request('GET', '/agent/airlock-agent.sh');
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.equal(res.body, readFileSync(SCRIPT, 'utf8'));
  });

  it('the real agent (--once) reports; containers appear under the agent host, env masked, secrets nowhere in the DB', async () => {
    const r = await runAgent(agentEnv(tokenFile(token)));
    assert.equal(r.code, 0, `agent exit ${r.code}\nstderr: ${r.stderr}`);
    assert.match(r.stderr, /report ok: HTTP 202/);
    assert.deepEqual(readdirSync(tmpDir), [], 'agent cleaned its temp files');

    const list = await listContainers(f, `?host=${hostId}`);
    const mine = list.items.find((c) => c.id === cid);
    assert.ok(
      mine,
      `the container arrived under the agent host: ${JSON.stringify(list.items.map((c) => c.name))}`,
    );
    assert.equal(mine.hostId, hostId);
    assert.equal(mine.name, NAME);
    assert.equal(mine.state, 'running');
    assert.equal(mine.status, 'green');
    assert.ok(list.items.every((c) => c.hostId === hostId));

    const res = await f.t.request('GET', `/api/containers/${hostId}/${NAME}`, { as: f.viewer });
    const d = await json<ContainerDetail>(res);
    assertNotIn(res.body, SECRETS, 'the detail answer');
    const env = Object.fromEntries(d.env.map((e) => [e.name, e]));
    assert.equal(env.API_TOKEN?.masked, true, JSON.stringify(env.API_TOKEN));
    assert.equal(env.DB_PASSWORD?.masked, true);
    assert.notEqual(env.GH?.value, SECRETS.GH_IN_PLAIN_NAME);
    assert.deepEqual(env.PLAIN, { name: 'PLAIN', value: 'visible', masked: false });
    // By id prefix too.
    assert.equal(
      (
        await json<ContainerDetail>(
          await f.t.request('GET', `/api/containers/${hostId}/${cid.slice(0, 12)}`, { as: f.viewer }),
        )
      ).id,
      cid,
    );

    assertNotIn(storeBytes(f.t), { ...SECRETS, 'host token': token }, 'the SQLite files');
    const h = await getHost(f, hostId);
    assert.equal(h.agent?.hostname, `push-box-${RUN}`);
    assert.ok(h.agent?.lastReportAt);
    assert.equal(h.status.state, 'connected');

    const stats = await json<ContainerStats>(
      await f.t.request('GET', `/api/containers/${hostId}/${NAME}/stats`, { as: f.viewer }),
    );
    assert.ok(stats.memoryBytes === null || stats.memoryBytes > 0, JSON.stringify(stats));
    assert.ok(stats.cpuPercent === null || stats.cpuPercent >= 0);
  });

  it('the agent with a wrong token gets 401 and exits 1; nothing changes', async () => {
    const before = await listContainers(f, `?host=${hostId}`);
    const r = await runAgent(agentEnv(tokenFile(`alh_${hostId}_${'x'.repeat(40)}`)));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /HTTP 401/);
    assertError(await ingest(f, null, fakeReport([])), 401);
    assertError(await ingest(f, 'Bearer-less', fakeReport([])), 401);
    assert.deepEqual(
      (await listContainers(f, `?host=${hostId}`)).items.map((c) => c.id),
      before.items.map((c) => c.id),
    );
  });

  it('a malformed report is 400 with details naming the field, and the last good data stays', async () => {
    const before = await listContainers(f, `?host=${hostId}`);
    assert.ok(before.items.some((c) => c.id === cid));
    const bad = fakeReport([{ id: randomHexId(), name: 'bad' }]);
    (bad.ps as { ID: string }[])[0]!.ID = 'not-hex;rm -rf /';
    const r1 = assertError(await ingest(f, token, bad), 400, 'validation_failed');
    assert.ok(r1.details, `details present: ${JSON.stringify(r1)}`);
    assert.match(JSON.stringify(r1.details) + r1.message, /ps/, 'details say which field');

    assertError(await ingest(f, token, '{"version":1,'), 400);
    assertError(await ingest(f, token, 'garbage'), 400);
    assertError(await ingest(f, token, { ...fakeReport([]), version: 2 }), 400);
    assertError(await ingest(f, token, '[]'), 400);
    const after = await listContainers(f, `?host=${hostId}`);
    assert.deepEqual(
      after.items.map((c) => c.id).sort(),
      before.items.map((c) => c.id).sort(),
      'prior data intact',
    );
    assert.notEqual((await getHost(f, hostId)).status.state, 'pending');
  });

  it('a report over 8 MiB is 413, and the last good data stays', async () => {
    const before = await listContainers(f, `?host=${hostId}`);
    const big = fakeReport([{ id: randomHexId(), name: 'big' }]);
    (big as { hostname: string }).hostname = 'x';
    const pad = 'A'.repeat(INGEST_MAX_BYTES + 64 * 1024);
    const body = JSON.stringify({ ...big, padding: pad });
    assert.ok(Buffer.byteLength(body) > INGEST_MAX_BYTES);
    assertError(await ingest(f, token, body), 413);
    // An unauthenticated oversized body is refused too (401 or 413, never 5xx or 202).
    const anon = await ingest(f, null, body);
    assert.ok([401, 413].includes(anon.statusCode), `anon oversized: ${anon.statusCode}`);
    const after = await listContainers(f, `?host=${hostId}`);
    assert.deepEqual(
      after.items.map((c) => c.id).sort(),
      before.items.map((c) => c.id).sort(),
      'prior data intact',
    );
    // Just under the limit with a valid report is still accepted (the limit is the documented one, not 1 MiB).
    const near = fakeReport([{ id: cid, name: NAME }]);
    (near.inspect as { Config: { Env: string[] } }[])[0]!.Config.Env = [
      'PLAIN=visible',
      // Many short values (a long single value is its own test below).
      ...Array.from({ length: 3000 }, (_, i) => `VAR_${i}=${'b'.repeat(700)}`),
    ];
    const ok = await ingest(f, token, near);
    assert.equal(ok.statusCode, 202, `a 2.1 MiB report: ${ok.statusCode} ${ok.body.slice(0, 300)}`);
  });

  // The ingest route skips the generic depth scan and prototype-key reviver (RouteSpec.plainJsonBody):
  // this is the attack on that shortcut.
  it('200,000-level nesting and __proto__ keys in a report: ignored or 400, never a crash or pollution', async () => {
    const other = await createHost(f, { kind: 'agent', label: `deep-${RUN}` });
    const tok = other.agentToken as string;
    const id = randomHexId();
    const name = `deep-${RUN}`;
    const text = JSON.stringify(fakeReport([{ id, name }]));
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const listed = async () => (await listContainers(f, `?host=${other.host.id}`)).items.map((c) => c.name);

    // Deep values in fields the deck does not read (top level, inside an inspect entry): ignored.
    const unread = text
      .replace('"version":1', `"version":1,"extra":${deep(200_000)}`)
      .replace(`"Name":"/${name}"`, `"Junk":${deep(200_000)},"Name":"/${name}"`);
    assert.notEqual(unread, text);
    const r1 = await ingest(f, tok, unread);
    assert.equal(r1.statusCode, 202, r1.body.slice(0, 300));
    assert.deepEqual(await listed(), [name]);

    // Deep values in fields the deck reads: 400 naming the field, the last good data stays.
    for (const [from, to, field] of [
      ['"Env":["PATH=/usr/bin"]', `"Env":${deep(200_000)}`, 'inspect.0.Config.Env.0'],
      ['"Labels":{}', `"Labels":{"a":${deep(200_000)}}`, 'inspect.0.Config.Labels.a'],
      ['"hostname":"edge-test"', `"hostname":${deep(200_000)}`, 'hostname'],
    ] as const) {
      const body = text.replace(from, to);
      assert.notEqual(body, text, from);
      const err = assertError(await ingest(f, tok, body), 400, 'validation_failed');
      assert.equal((err.details as { field?: string } | undefined)?.field, field, err.message);
    }
    assert.deepEqual(await listed(), [name], 'last good data intact');

    // __proto__ and constructor keys everywhere: accepted as data, nothing polluted, never a label.
    const proto = text
      .replace('"version":1', '"__proto__":{"version":2,"polluted":"yes"},"version":1')
      .replace(`"Name":"/${name}"`, `"__proto__":{"Id":"x","polluted":"yes"},"Name":"/${name}"`)
      .replace('"Labels":{}', '"Labels":{"__proto__":{"polluted":"yes"},"constructor":"c","ok":"1"}')
      .replace('"Networks":{}', '"Networks":{"__proto__":{"IPAddress":"6.6.6.6"}}');
    const r2 = await ingest(f, tok, proto);
    assert.equal(r2.statusCode, 202, r2.body.slice(0, 300));
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted');
    const detail = await json<ContainerDetail>(
      await f.t.request('GET', `/api/containers/${other.host.id}/${id}`, { as: f.admin }),
    );
    assert.deepEqual(detail.labels, { constructor: 'c', ok: '1' });
    assert.deepEqual(detail.networks, []);
    assert.equal((await f.t.request('GET', '/api/health')).statusCode, 200, 'server still answers');
  });

  it('a push host is read-only: actions 409 conflict, logs and exec refused with a clear error', async () => {
    const run = await runAgent(agentEnv(tokenFile(token)));
    assert.equal(run.code, 0, run.stderr);
    for (const verb of ['stop', 'start', 'restart', 'pause', 'unpause']) {
      const e = assertError(
        await f.t.request('POST', `/api/containers/${hostId}/${NAME}/actions/${verb}`, {
          as: f.operator,
          body: {},
        }),
        409,
        'conflict',
      );
      assert.match(e.message, /read-only|push/i);
    }
    assertError(
      await f.t.request('POST', `/api/containers/${hostId}/${NAME}/actions/remove`, {
        as: f.admin,
        body: { confirm: NAME },
      }),
      409,
      'conflict',
    );
    assert.equal((await inspectState(NAME)).Status, 'running', 'nothing happened to the real container');

    const logs = await wsOutcome(f, `/api/containers/${hostId}/${NAME}/logs?follow=0`, f.viewer);
    if (logs.kind === 'refused') assert.equal(logs.status, 409, logs.body);
    else {
      assert.equal(logs.kind, 'closed', `logs on a push host: ${JSON.stringify(logs)}`);
      const err = logs.messages.find((m) => (m as { type?: string }).type === 'error') as
        { message?: string } | undefined;
      assert.ok(err?.message, `an error message before close: ${JSON.stringify(logs)}`);
      assert.match(err.message, /push|read-only|agent/i);
    }
    const exec = await wsOutcome(f, `/api/containers/${hostId}/${NAME}/exec`, f.operator);
    if (exec.kind === 'refused') assert.equal(exec.status, 409, exec.body);
    else {
      assert.equal(exec.kind, 'closed', `exec on a push host: ${JSON.stringify(exec)}`);
      const err = exec.messages.find((m) => (m as { type?: string }).type === 'error') as
        { message?: string } | undefined;
      assert.ok(err?.message || exec.reason, `a reason: ${JSON.stringify(exec)}`);
    }
    const dl = await f.t.request('GET', `/api/containers/${hostId}/${NAME}/logs/download`, { as: f.viewer });
    assert.ok(
      dl.statusCode === 409,
      `logs download on a push host: ${dl.statusCode} ${dl.body.slice(0, 200)}`,
    );
  });

  it('a push host with no report for 3 intervals goes stale (intervalSeconds 5 → ~15 s)', async () => {
    const created = await createHost(f, { kind: 'agent', label: `stale-${RUN}`, intervalSeconds: 5 });
    assert.equal(created.host.agent?.intervalSeconds, 5);
    const ok = await ingest(f, created.agentToken, fakeReport([{ id: randomHexId(), name: 'stale-c' }]));
    assert.equal(ok.statusCode, 202, ok.body);
    const t0 = Date.now();
    assert.equal((await getHost(f, created.host.id)).status.state, 'connected');
    const h = await waitHostState(f, created.host.id, (x) => x.status.state === 'stale', 'stale', 30_000);
    const elapsed = Date.now() - t0;
    process.stdout.write(`# push host stale after ${elapsed} ms; reason: ${h.status.reason}\n`);
    assert.ok(elapsed >= 13_000, `stale too early: ${elapsed} ms`);
    assert.ok(elapsed <= 25_000, `stale too late: ${elapsed} ms`);
    assert.ok(h.status.reason.length > 0);
    // A new report brings it back.
    assert.equal((await ingest(f, created.agentToken as string, fakeReport([]))).statusCode, 202);
    await waitFor(
      'connected again',
      async () => (await getHost(f, created.host.id)).status.state === 'connected',
      { timeoutMs: 3000 },
    );
  });

  // Untrusted input must not pin the event loop: a push report (or a container's env) may carry a
  // long value, and masking it must stay roughly linear. Kept last in this file: if masking is
  // super-linear the whole in-process server is blocked for a while.
  it('a report with one 128 KiB env value is accepted within 1 s (masking is not super-linear)', async () => {
    const r = fakeReport([{ id: cid, name: NAME }]);
    (r.inspect as { Config: { Env: string[] } }[])[0]!.Config.Env = [
      'PLAIN=visible',
      `BLOB=${'b'.repeat(128 * 1024)}`,
    ];
    const t0 = Date.now();
    const res = await ingest(f, token, r);
    const took = Date.now() - t0;
    assert.equal(res.statusCode, 202, res.body.slice(0, 300));
    const t1 = Date.now();
    const detail = await f.t.request('GET', `/api/containers/${hostId}/${NAME}`, { as: f.viewer });
    const detailTook = Date.now() - t1;
    process.stdout.write(`# 128 KiB env value: ingest ${took} ms, detail ${detailTook} ms\n`);
    assert.equal(detail.statusCode, 200);
    assert.ok(
      took < 1000,
      `ingest of one 128 KiB env value took ${took} ms (the event loop was blocked that long)`,
    );
    assert.ok(detailTook < 1000, `detail took ${detailTook} ms`);
  });
});
