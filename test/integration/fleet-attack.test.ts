// Fleet (issue 3) under attack: shell metacharacters, path traversal (plain, encoded, double-encoded)
// and oversized values in container refs and host ids on every container route; hostile host bodies
// (ssh option injection, socket traversal, markup, 2 MiB, 100 levels deep, prototype pollution);
// verbs outside the allowlist; CSRF. Each must be refused with a clear 4xx and execute nothing: a
// canary file the payloads try to create must never appear, and the victim container must not move.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import type { HostList } from '@airlock/contract/hosts';
import { assertError } from '../support/app';
import { ensureBaseImage, removeContainers } from '../support/docker';
import {
  assertWsDenied,
  auditEvents,
  createHost,
  dockerCli,
  inspectState,
  json,
  listContainers,
  rawHttp,
  runContainer,
  startFleetApp,
  waitContainer,
  waitHostState,
  wsOutcome,
  type FleetApp,
} from '../support/fleet';

const RUN = randomBytes(4).toString('hex');
const VICTIM = `airlock-test-${RUN}-victim`;
const CANARY = `/tmp/airlock-pwned-${RUN}`;

/** Hostile container references / host ids; each tries to create CANARY if anything interprets it. */
const HOSTILE: readonly string[] = [
  `x;touch ${CANARY}`,
  `${VICTIM};touch ${CANARY}`,
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `x|touch ${CANARY}`,
  `x&&touch ${CANARY}`,
  `x||touch${'$'}{IFS}${CANARY}`,
  `x\ntouch ${CANARY}`,
  `x'touch'`,
  `x"y`,
  `x>${CANARY}`,
  `x<${CANARY}`,
  `-oProxyCommand=touch ${CANARY}`,
  `--help`,
  `../../etc/passwd`,
  `..%2F..%2Fetc%2Fpasswd`,
  `..`,
  `.`,
  `${VICTIM}/../x`,
  `.hidden`,
  `x..y`,
  `x y`,
  `x\u0000y`,
  `x%00y`,
  `\u202e${VICTIM}`,
  'a'.repeat(129),
  'a'.repeat(5000),
];

/** A payload for a failure message: quoted, control characters visible, long ones cut. */
const show = (v: string) => {
  const q = JSON.stringify(v);
  return q.length > 60 ? `${q.slice(0, 40)}…(${v.length} chars)` : q;
};

describe('fleet: hostile input', () => {
  let f: FleetApp;
  let hostId = '';
  let victimStartedAt = '';

  const victimUntouched = async (what: string) => {
    assert.ok(!existsSync(CANARY), `${what}: the canary ${CANARY} was created — a payload was executed`);
    const st = await inspectState(VICTIM);
    assert.equal(st.Status, 'running', `${what}: the victim container moved (${st.Status})`);
    const started = (await dockerCli('inspect', '--format', '{{.State.StartedAt}}', VICTIM)).trim();
    assert.equal(started, victimStartedAt, `${what}: the victim container was restarted`);
  };

  before(async () => {
    rmSync(CANARY, { force: true });
    await ensureBaseImage();
    await runContainer(VICTIM, [], ['sleep', 'infinity']);
    victimStartedAt = (await dockerCli('inspect', '--format', '{{.State.StartedAt}}', VICTIM)).trim();
    f = await startFleetApp();
    hostId = (await createHost(f, { kind: 'local', label: `local-${RUN}` })).host.id;
    await waitHostState(f, hostId, (h) => h.status.state === 'connected', 'local host connected');
    await waitContainer(f, 'victim listed', (c) => c.name === VICTIM, { query: `?host=${hostId}` });
  });

  after(async () => {
    await removeContainers([VICTIM]);
    await f?.close();
    rmSync(CANARY, { force: true });
  });

  /** 400 or 404 with the standard error body and a message; never 2xx, 5xx or a hang. */
  /**
   * 400 or 404 (414 for an over-long URL) with the standard error body — code, message and
   * correlation id, from the one error handler — never 2xx, 5xx or a hang.
   */
  const refusedClearly = (res: Awaited<ReturnType<FleetApp['t']['request']>>, what: string) => {
    assert.ok(
      [400, 404, 414].includes(res.statusCode),
      `${what}: expected 400/404, got ${res.statusCode}: ${res.body.slice(0, 300)}`,
    );
    const body = res.json<{ code: string; message: string; correlationId?: string }>();
    assert.ok(body.message?.length > 0, `${what}: a clear message`);
    assert.ok(
      ['validation_failed', 'not_found'].includes(body.code),
      `${what}: code ${body.code} is not one of the API's error codes (status ${res.statusCode}; body ${res.body.slice(0, 160)})`,
    );
    assert.equal(typeof body.correlationId, 'string', `${what}: the standard error body has a correlationId`);
  };

  it('hostile container refs on every HTTP container route: 400/404, nothing executed', async () => {
    for (const ref of HOSTILE) {
      const enc = encodeURIComponent(ref);
      const base = `/api/containers/${hostId}/${enc}`;
      refusedClearly(await f.t.request('GET', base, { as: f.viewer }), `GET detail ${show(ref)}`);
      refusedClearly(await f.t.request('GET', `${base}/stats`, { as: f.viewer }), `GET stats ${show(ref)}`);
      refusedClearly(
        await f.t.request('GET', `${base}/logs/download`, { as: f.viewer }),
        `logs download ${show(ref)}`,
      );
      for (const verb of ['stop', 'restart', 'pause']) {
        refusedClearly(
          await f.t.request('POST', `${base}/actions/${verb}`, { as: f.operator, body: {} }),
          `${verb} ${show(ref)}`,
        );
      }
      refusedClearly(
        await f.t.request('POST', `${base}/actions/remove`, { as: f.admin, body: { confirm: ref } }),
        `remove ${show(ref)}`,
      );
    }
    await victimUntouched('hostile refs over HTTP');
  });

  it('the victim’s name with a payload appended does not resolve to the victim (no prefix/loose match)', async () => {
    for (const suffix of [';', ' ', '%20', '%0a', '\t']) {
      const ref = `${VICTIM}${suffix}touch`;
      const res = await f.t.request(
        'POST',
        `/api/containers/${hostId}/${encodeURIComponent(ref)}/actions/restart`,
        {
          as: f.operator,
          body: {},
        },
      );
      refusedClearly(res, `restart ${show(ref)}`);
    }
    await victimUntouched('victim name + payload');
  });

  it('unencoded traversal in the path (sent as-is, raw HTTP) never reaches a container or a file', async () => {
    for (const url of [
      `/api/containers/${hostId}/../../etc/passwd`,
      `/api/containers/${hostId}/..%2F..%2Fetc%2Fpasswd`,
      `/api/containers/${hostId}/..%252F..%252Fetc%252Fpasswd`,
      `/api/containers/${hostId}/%2e%2e/%2e%2e/etc/passwd`,
      `/api/containers/${hostId}/%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
      `/api/containers/..%2F..%2F/${VICTIM}`,
      `/api/containers/${hostId}/${VICTIM}/../../../../etc/passwd`,
      `/api/containers/${hostId}/${VICTIM}/..`,
      `/api/containers/${hostId}/./${VICTIM}`,
    ]) {
      for (const [method, suffix, as, body] of [
        ['GET', '', f.viewer, undefined],
        ['GET', '/stats', f.viewer, undefined],
        ['POST', '/actions/stop', f.operator, '{}'],
      ] as const) {
        const res = await rawHttp(f, method, `${url}${suffix}`, as, body);
        assert.ok(!res.body.includes('root:x:0:0'), `${method} ${url}${suffix} leaked /etc/passwd`);
        assert.ok(
          [400, 404].includes(res.status),
          `${method} ${url}${suffix}: ${res.status} ${res.body.slice(0, 200)}`,
        );
        const b = JSON.parse(res.body) as { message?: string };
        assert.ok(b.message, `${method} ${url}${suffix}: a clear message`);
      }
    }
    await victimUntouched('traversal');
  });

  it('hostile host ids on every container route: 400/404, nothing executed', async () => {
    for (const id of HOSTILE) {
      const base = `/api/containers/${encodeURIComponent(id)}/${VICTIM}`;
      refusedClearly(await f.t.request('GET', base, { as: f.viewer }), `detail host ${show(id)}`);
      refusedClearly(await f.t.request('GET', `${base}/stats`, { as: f.viewer }), `stats host ${show(id)}`);
      refusedClearly(
        await f.t.request('GET', `${base}/logs/download`, { as: f.viewer }),
        `download host ${show(id)}`,
      );
      refusedClearly(
        await f.t.request('POST', `${base}/actions/restart`, { as: f.operator, body: {} }),
        `restart host ${show(id)}`,
      );
      refusedClearly(
        await f.t.request('GET', `/api/hosts/${encodeURIComponent(id)}`, { as: f.viewer }),
        `GET host ${show(id)}`,
      );
      refusedClearly(
        await f.t.request('POST', `/api/hosts/${encodeURIComponent(id)}/reconnect`, {
          as: f.operator,
          body: {},
        }),
        `reconnect ${show(id)}`,
      );
    }
    const list = await f.t.request('GET', `/api/containers?host=${encodeURIComponent(`a;touch ${CANARY}`)}`, {
      as: f.viewer,
    });
    assertError(list, 400, 'validation_failed');
    // A hostile free-text filter is only a filter.
    const q = await listContainers(f, `?q=${encodeURIComponent(`$(touch ${CANARY})`)}`);
    assert.equal(q.items.length, 0);
    await victimUntouched('hostile host ids');
  });

  it('hostile refs and host ids on the logs and exec WebSockets are refused, nothing executed', async () => {
    const auditBefore = (await auditEvents(f, 'container.exec')).length;
    for (const ref of [`x;touch ${CANARY}`, `$(touch ${CANARY})`, '../../etc/passwd', 'a'.repeat(300)]) {
      const enc = encodeURIComponent(ref);
      assertWsDenied(
        await wsOutcome(f, `/api/containers/${hostId}/${enc}/logs?follow=0`, f.viewer),
        `logs ${show(ref)}`,
      );
      assertWsDenied(
        await wsOutcome(f, `/api/containers/${hostId}/${enc}/exec`, f.operator),
        `exec ${show(ref)}`,
      );
      assertWsDenied(
        await wsOutcome(f, `/api/containers/${enc}/${VICTIM}/logs?follow=0`, f.viewer),
        `logs host ${show(ref)}`,
      );
      assertWsDenied(
        await wsOutcome(f, `/api/containers/${enc}/${VICTIM}/exec`, f.operator),
        `exec host ${show(ref)}`,
      );
    }
    for (const q of [
      `tail=${encodeURIComponent(`1;touch ${CANARY}`)}`,
      'tail=99999999',
      'follow=maybe',
      `extra=${encodeURIComponent('$(id)')}`,
    ]) {
      assertWsDenied(
        await wsOutcome(f, `/api/containers/${hostId}/${VICTIM}/logs?${q}`, f.viewer),
        `logs ?${q}`,
        [400],
      );
    }
    for (const q of ['cols=0', 'rows=100000', `cols=${encodeURIComponent('80;id')}`]) {
      assertWsDenied(
        await wsOutcome(f, `/api/containers/${hostId}/${VICTIM}/exec?${q}`, f.operator),
        `exec ?${q}`,
        [400],
      );
    }
    assert.equal((await auditEvents(f, 'container.exec')).length, auditBefore, 'no exec was started');
    await victimUntouched('hostile WebSockets');
  });

  it('verbs outside the allowlist (kill, exec, prune, ...) are refused and change nothing', async () => {
    for (const verb of [
      'kill',
      'exec',
      'prune',
      'rm',
      'delete',
      'update',
      'rename',
      'STOP',
      'Stop',
      'stop;touch',
      'stop%20',
      '..',
      'remove;x',
    ]) {
      for (const as of [f.operator, f.admin]) {
        const res = await f.t.request(
          'POST',
          `/api/containers/${hostId}/${VICTIM}/actions/${encodeURIComponent(verb)}`,
          {
            as,
            body: { confirm: VICTIM },
          },
        );
        refusedClearly(res, `verb ${verb}`);
      }
    }
    // Other methods on the action route do not exist.
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await f.t.request(method, `/api/containers/${hostId}/${VICTIM}/actions/stop`, {
        as: f.admin,
        body: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      assert.ok([404, 405].includes(res.statusCode), `${method} actions/stop: ${res.statusCode}`);
    }
    // Extra body fields are refused (strict): nothing sneaks options to the engine.
    for (const body of [{ force: true }, { t: 0 }, { signal: 'KILL' }, { confirm: VICTIM, force: true }]) {
      const res = await f.t.request('POST', `/api/containers/${hostId}/${VICTIM}/actions/restart`, {
        as: f.operator,
        body,
      });
      assertError(res, 400, 'validation_failed');
    }
    const actions = (await auditEvents(f, 'container.')).map((e) => e.action);
    assert.ok(
      !actions.some((a) => /kill|prune|exec$|rm|delete|update|rename/.test(a)),
      JSON.stringify(actions),
    );
    await victimUntouched('unknown verbs');
  });

  it('CSRF: a cookie session without x-csrf-token (or from another origin) cannot act; an API token can', async () => {
    const url = `/api/containers/${hostId}/${VICTIM}/actions/restart`;
    assertError(
      await f.t.request('POST', url, { as: f.operator, body: {}, csrf: false }),
      403,
      'csrf_failed',
    );
    assertError(
      await f.t.request('POST', url, {
        as: f.operator,
        body: {},
        csrf: false,
        headers: { 'x-csrf-token': 'forged-token-value' },
      }),
      403,
      'csrf_failed',
    );
    // The admin's CSRF token does not work for the operator's session.
    assertError(
      await f.t.request('POST', url, {
        as: f.operator,
        body: {},
        csrf: false,
        headers: { 'x-csrf-token': f.admin.csrf ?? '' },
      }),
      403,
      'csrf_failed',
    );
    assertError(
      await f.t.request('POST', url, {
        as: f.operator,
        body: {},
        headers: { origin: 'http://evil.example' },
      }),
      403,
      'csrf_failed',
    );
    assertError(
      await f.t.request('POST', `/api/containers/${hostId}/${VICTIM}/actions/remove`, {
        as: f.admin,
        body: { confirm: VICTIM },
        csrf: false,
      }),
      403,
      'csrf_failed',
    );
    assertError(
      await f.t.request('POST', '/api/hosts', {
        as: f.admin,
        body: { kind: 'local', label: 'csrf' },
        csrf: false,
      }),
      403,
      'csrf_failed',
    );
    assertError(
      await f.t.request('DELETE', `/api/hosts/${hostId}`, { as: f.admin, csrf: false }),
      403,
      'csrf_failed',
    );
    await victimUntouched('CSRF refusals');

    // Control: the refusals were about CSRF. An operator API token (no cookie, no CSRF) may pause/unpause.
    const tok = await f.t.createToken(f.operator, 'attack-control');
    const bearer = { ...f.operator, cookie: undefined, csrf: undefined, bearer: tok.secret };
    const p = await f.t.request('POST', `/api/containers/${hostId}/${VICTIM}/actions/pause`, {
      as: bearer,
      body: {},
    });
    assert.equal(p.statusCode, 200, p.body);
    assert.equal((await inspectState(VICTIM)).Status, 'paused');
    const u = await f.t.request('POST', `/api/containers/${hostId}/${VICTIM}/actions/unpause`, {
      as: bearer,
      body: {},
    });
    assert.equal(u.statusCode, 200, u.body);
    await victimUntouched('after the control pause/unpause');
  });

  it('hostile host bodies: ssh option injection, socket traversal, markup, strictness: 400 and no host created', async () => {
    const hostsBefore = (await json<HostList>(await f.t.request('GET', '/api/hosts', { as: f.admin }))).items
      .length;
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    const ssh = {
      kind: 'ssh',
      label: 'evil',
      host: '127.0.0.1',
      port: 22,
      username: 'root',
      privateKey: key,
      hostKeyFingerprint: `SHA256:${'A'.repeat(43)}`,
    };
    const bodies: [string, Record<string, unknown>][] = [
      ['ssh host -oProxyCommand', { ...ssh, host: `-oProxyCommand=touch ${CANARY}` }],
      ['ssh host with space option', { ...ssh, host: `127.0.0.1 -oProxyCommand=touch${'$'}{IFS}${CANARY}` }],
      ['ssh host $(...)', { ...ssh, host: `$(touch ${CANARY})` }],
      ['ssh host user@host', { ...ssh, host: 'root@127.0.0.1' }],
      ['ssh host url', { ...ssh, host: 'ssh://127.0.0.1' }],
      ['ssh user -o', { ...ssh, username: `-oProxyCommand=touch ${CANARY}` }],
      ['ssh user ;', { ...ssh, username: `root;touch ${CANARY}` }],
      [
        'jump host -o',
        { ...ssh, jump: { host: `-oProxyCommand=touch ${CANARY}`, username: 'root', privateKey: key } },
      ],
      ['ssh port 0', { ...ssh, port: 0 }],
      ['ssh port 70000', { ...ssh, port: 70000 }],
      ['ssh port string', { ...ssh, port: '22; touch x' }],
      ['ssh no credentials', { kind: 'ssh', label: 'evil', host: '127.0.0.1', username: 'root' }],
      ['ssh key not a key', { ...ssh, privateKey: `$(touch ${CANARY})` }],
      ['ssh socket traversal', { ...ssh, socketPath: '../../etc/shadow' }],
      ['ssh socket ;', { ...ssh, socketPath: `/var/run/docker.sock;touch ${CANARY}` }],
      ['fingerprint junk', { ...ssh, hostKeyFingerprint: `SHA256:$(touch ${CANARY})` }],
      ['local socket relative', { kind: 'local', label: 'evil', socketPath: '../../etc/shadow' }],
      ['local socket ..', { kind: 'local', label: 'evil', socketPath: '/var/run/../../etc/shadow' }],
      ['local socket $()', { kind: 'local', label: 'evil', socketPath: `/tmp/$(touch ${CANARY})` }],
      [
        'local socket space',
        { kind: 'local', label: 'evil', socketPath: '/var/run/docker.sock -H tcp://0.0.0.0' },
      ],
      ['local socket tcp', { kind: 'local', label: 'evil', socketPath: 'tcp://127.0.0.1:2375' }],
      ['label <script>', { kind: 'local', label: '<script>alert(1)</script>' }],
      ['label control chars', { kind: 'local', label: 'a\u0007\u001b[31mred' }],
      ['label empty', { kind: 'local', label: '   ' }],
      ['label 65 chars', { kind: 'local', label: 'x'.repeat(65) }],
      ['unknown kind', { kind: 'tcp', label: 'evil', url: 'tcp://127.0.0.1:2375' }],
      ['extra field', { kind: 'local', label: 'evil', isAdmin: true }],
      ['agent interval 1', { kind: 'agent', label: 'evil', intervalSeconds: 1 }],
      ['agent with token', { kind: 'agent', label: 'evil', agentToken: 'alh_x_y' }],
    ];
    for (const [what, body] of bodies) {
      const e = assertError(
        await f.t.request('POST', '/api/hosts', { as: f.admin, body }),
        400,
        'validation_failed',
      );
      assert.ok(e.message.length > 0, what);
    }
    // The same on PATCH of the existing host.
    for (const body of [
      { socketPath: '../../etc/shadow' },
      { label: '<img src=x onerror=alert(1)>' },
      { host: '-oProxyCommand=x' },
      { bogus: 1 },
    ]) {
      assertError(
        await f.t.request('PATCH', `/api/hosts/${hostId}`, { as: f.admin, body }),
        400,
        'validation_failed',
      );
    }
    const after = (await json<HostList>(await f.t.request('GET', '/api/hosts', { as: f.admin }))).items;
    assert.equal(after.length, hostsBefore, 'no host was created');
    assert.equal(
      after.find((h) => h.id === hostId)?.local?.socketPath,
      '/var/run/docker.sock',
      'PATCH changed nothing',
    );
    // Give any spawned process a moment, then check the canary.
    await new Promise((r) => setTimeout(r, 500));
    await victimUntouched('hostile host bodies');
  });

  it('a 2 MiB host body is 413; 100-level nesting is 400; __proto__ does not pollute', async () => {
    const hostsBefore = (await json<HostList>(await f.t.request('GET', '/api/hosts', { as: f.admin }))).items
      .length;
    const huge = JSON.stringify({ kind: 'local', label: 'huge', pad: 'x'.repeat(2 * 1024 * 1024) });
    assertError(await f.t.request('POST', '/api/hosts', { as: f.admin, raw: huge }), 413);
    const nested = `{"kind":"local","label":"deep","x":${'['.repeat(100)}${']'.repeat(100)}}`;
    assertError(
      await f.t.request('POST', '/api/hosts', { as: f.admin, raw: nested }),
      400,
      'validation_failed',
    );
    const deepObj = `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`;
    assertError(
      await f.t.request('POST', '/api/hosts', { as: f.admin, raw: deepObj }),
      400,
      'validation_failed',
    );
    assertError(
      await f.t.request('POST', `/api/containers/${hostId}/${VICTIM}/actions/stop`, {
        as: f.operator,
        raw: `{"x":${'['.repeat(100)}${']'.repeat(100)}}`,
      }),
      400,
      'validation_failed',
    );
    const proto = await f.t.request('POST', '/api/hosts', {
      as: f.admin,
      raw: '{"kind":"agent","label":"proto","__proto__":{"polluted":"yes","protected":true},"constructor":{"prototype":{"polluted":"yes"}}}',
    });
    assert.ok([201, 400].includes(proto.statusCode), `__proto__ body: ${proto.statusCode} ${proto.body}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted');
    if (proto.statusCode === 201) {
      const h = proto.json<{ host: { id: string; protected: boolean } }>().host;
      assert.equal(h.protected, false, '__proto__ set a field');
      await f.t.request('DELETE', `/api/hosts/${h.id}`, { as: f.admin });
    }
    assertError(await f.t.request('POST', '/api/hosts', { as: f.admin, raw: 'not json' }), 400);
    assertError(
      await f.t.request('POST', '/api/hosts', {
        as: f.admin,
        raw: 'kind=local',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
    const after = (await json<HostList>(await f.t.request('GET', '/api/hosts', { as: f.admin }))).items
      .length;
    assert.equal(after, hostsBefore);
    await victimUntouched('body size/depth');
  });

  it('every container and host route refuses anonymous callers (401) with no side effects', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/hosts'],
      ['GET', `/api/hosts/${hostId}`],
      ['POST', '/api/hosts'],
      ['PATCH', `/api/hosts/${hostId}`],
      ['DELETE', `/api/hosts/${hostId}`],
      ['POST', `/api/hosts/${hostId}/confirm-host-key`],
      ['POST', `/api/hosts/${hostId}/rotate-token`],
      ['POST', `/api/hosts/${hostId}/reconnect`],
      ['GET', '/api/containers'],
      ['GET', `/api/containers/${hostId}/${VICTIM}`],
      ['GET', `/api/containers/${hostId}/${VICTIM}/stats`],
      ['GET', `/api/containers/${hostId}/${VICTIM}/logs/download`],
      ['POST', `/api/containers/${hostId}/${VICTIM}/actions/restart`],
      ['POST', `/api/containers/${hostId}/${VICTIM}/actions/remove`],
    ];
    for (const [method, url] of routes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : { confirm: VICTIM };
      assertError(await f.t.request(method, url, { as: null, body }), 401, 'unauthenticated');
    }
    assert.equal((await wsOutcome(f, `/api/containers/${hostId}/${VICTIM}/logs`, null)).kind, 'refused');
    await victimUntouched('anonymous');
  });
});
