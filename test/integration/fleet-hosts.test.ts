// Fleet (issue 3), hosts API: who may create hosts, that secrets go in and never come back out (not in
// answers, the live stream, the audit log, or the database file in plaintext), agent tokens shown once
// and rotated, and that removing a host removes its containers. Real SQLite, real dockerd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Host, HostList } from '@airlock/contract/hosts';
import { assertError } from '../support/app';
import { requireDocker } from '../support/docker';
import { freePort } from '../support/e2e-server';
import { throwawayKey } from '../support/sshd';
import {
  assertNotIn,
  auditEvents,
  createHost,
  fakeReport,
  getHost,
  homeBytes,
  ingest,
  json,
  listContainers,
  openWs,
  randomHexId,
  startFleetApp,
  storeBytes,
  waitHostState,
  type FleetApp,
  type WsClient,
} from '../support/fleet';

const PUBLIC_URL = 'https://airlock.example.test';

describe('fleet: hosts API', () => {
  let f: FleetApp;
  let stream: WsClient;
  before(async () => {
    await requireDocker();
    f = await startFleetApp({ publicUrl: PUBLIC_URL });
    stream = await openWs(f, '/api/stream', f.viewer);
  });
  after(async () => {
    await stream?.close();
    await f?.close();
  });

  it('an unlocked admin creates a local host (201, audited host.create) and it connects', async () => {
    const label = `local-${randomBytes(3).toString('hex')}`;
    const res = await f.t.request('POST', '/api/hosts', {
      as: f.admin,
      body: { kind: 'local', label, socketPath: '/var/run/docker.sock' },
    });
    const created = await json<{ host: Host; agentToken: string | null; installCommand: string | null }>(
      res,
      201,
    );
    assert.ok(created.host.id, 'host id');
    assert.match(created.host.id, /^[A-Za-z0-9_-]{1,64}$/);
    assert.equal(created.host.kind, 'local');
    assert.equal(created.host.label, label);
    assert.equal(created.agentToken, null);
    assert.equal(created.installCommand, null);
    assert.deepEqual(created.host.local, { socketPath: '/var/run/docker.sock' });

    const list = await json<HostList>(await f.t.request('GET', '/api/hosts', { as: f.viewer }));
    assert.ok(
      list.items.some((h) => h.id === created.host.id),
      'listed for a viewer',
    );
    const connected = await waitHostState(
      f,
      created.host.id,
      (h) => h.status.state === 'connected',
      'local host connected',
    );
    assert.equal(connected.status.reason, '');

    const audit = (await auditEvents(f, 'host.create')).find(
      (e) => JSON.stringify(e).includes(created.host.id) || e.target?.includes(label),
    );
    assert.ok(audit, 'host.create audited');
    assert.equal(audit.action, 'host.create');
    assert.equal(audit.actorName, 'admin');
    assert.ok(
      audit.target?.includes(label) || audit.target?.includes(created.host.id),
      `target ${audit.target}`,
    );
  });

  it('viewer and operator may not create hosts (403), a locked admin must unlock first (403 unlock_required)', async () => {
    const before = (await json<HostList>(await f.t.request('GET', '/api/hosts', { as: f.admin }))).items
      .length;
    const auditBefore = (await auditEvents(f, 'host.create')).length;
    const body = { kind: 'local', label: 'nope' };
    assertError(await f.t.request('POST', '/api/hosts', { as: f.viewer, body }), 403, 'forbidden');
    assertError(await f.t.request('POST', '/api/hosts', { as: f.operator, body }), 403, 'forbidden');
    assertError(await f.t.request('POST', '/api/hosts', { as: f.adminLocked, body }), 403, 'unlock_required');
    assertError(await f.t.request('POST', '/api/hosts', { as: null, body }), 401, 'unauthenticated');
    assertError(
      await f.t.request('POST', '/api/hosts', { as: f.admin, body, csrf: false }),
      403,
      'csrf_failed',
    );
    const afterList = (await json<HostList>(await f.t.request('GET', '/api/hosts', { as: f.admin }))).items;
    assert.equal(afterList.length, before, 'no host was created by a refused request');
    assert.ok(!afterList.some((h) => h.label === 'nope'));
    assert.equal((await auditEvents(f, 'host.create')).length, auditBefore);
  });

  it('an SSH host’s key, passphrase and password never come back: not in answers, stream, audit or the DB file', async () => {
    const key = throwawayKey();
    const passphrase = `pass-phrase-${randomBytes(8).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const newPassword = `pw2-${randomBytes(8).toString('hex')}`;
    // Distinctive pieces of the key: every base64 body line long enough not to collide by chance.
    const keyLines = key
      .split('\n')
      .filter((l) => l.length >= 24 && !l.startsWith('-----'))
      .map((l, i) => [`private key line ${i}`, l] as const);
    assert.ok(keyLines.length > 0);
    const secrets: Record<string, string> = {
      'private key': key.trim(),
      passphrase,
      password,
      ...Object.fromEntries(keyLines),
    };
    const framesBefore = stream.frames.length;
    const created = await createHost(f, {
      kind: 'ssh',
      label: `ssh-secret-${randomBytes(3).toString('hex')}`,
      host: '127.0.0.1',
      // Nothing listens there: the host must not connect for real.
      port: await freePort(),
      username: 'deploy',
      privateKey: key,
      passphrase,
      password,
    });
    const id = created.host.id;
    assert.equal(created.host.kind, 'ssh');
    assert.ok(created.host.ssh, 'ssh section');
    assert.equal(created.host.ssh.username, 'deploy');
    assert.ok(['key', 'password'].includes(created.host.ssh.auth));
    assert.equal(created.agentToken, null);

    // PATCH: replace the password; the answer carries neither the old nor the new one.
    const patched = await f.t.request('PATCH', `/api/hosts/${id}`, {
      as: f.admin,
      body: { password: newPassword },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    secrets['new password'] = newPassword;

    // Wait for at least one connection attempt so any status update (stream) is out.
    await waitHostState(f, id, (h) => h.status.state !== 'pending', 'ssh host leaves pending', 20_000);

    const answers = [
      JSON.stringify(created),
      patched.body,
      (await f.t.request('GET', '/api/hosts', { as: f.admin })).body,
      (await f.t.request('GET', `/api/hosts/${id}`, { as: f.admin })).body,
      (await f.t.request('GET', '/api/hosts', { as: f.viewer })).body,
    ].join('\n');
    assertNotIn(answers, secrets, 'API answers');
    const streamed = stream.frames
      .slice(framesBefore)
      .map((fr) => fr.data.toString('utf8'))
      .join('\n');
    assert.ok(streamed.includes(id), 'the live stream announced the host (host.updated)');
    assertNotIn(streamed, secrets, 'the live stream');
    const audit = JSON.stringify(await auditEvents(f, 'host.'));
    assert.ok(audit.includes('host.create'));
    assertNotIn(audit, secrets, 'the audit log');
    assertNotIn(storeBytes(f.t), secrets, 'the SQLite files (db/wal)');
    assertNotIn(homeBytes(f.t), secrets, 'the home directory');
  });

  it('an agent host gets its token once; GET never shows it; the install command carries token and deck URL', async () => {
    const created = await createHost(f, { kind: 'agent', label: `edge-${randomBytes(3).toString('hex')}` });
    const id = created.host.id;
    const token = created.agentToken;
    assert.ok(token, 'agentToken returned on create');
    assert.ok(token.startsWith(`alh_${id}_`), `token shape alh_<hostId>_<secret>: ${token}`);
    const secretPart = token.slice(`alh_${id}_`.length);
    assert.ok(secretPart.length >= 20, 'token secret has some length');
    assert.ok(created.installCommand, 'installCommand returned');
    assert.ok(
      created.installCommand.includes(token),
      `install command carries the token: ${created.installCommand}`,
    );
    assert.ok(
      created.installCommand.includes(PUBLIC_URL),
      `install command carries the deck URL: ${created.installCommand}`,
    );
    assert.equal(created.host.agent?.intervalSeconds, 30);
    assert.ok(created.host.agent?.tokenPrefix, 'tokenPrefix');
    assert.ok(token.startsWith(created.host.agent.tokenPrefix));
    assert.ok(!created.host.agent.tokenPrefix.includes(secretPart), 'tokenPrefix is not the secret');
    assert.equal(created.host.status.state, 'pending');

    const got = [
      (await f.t.request('GET', `/api/hosts/${id}`, { as: f.admin })).body,
      (await f.t.request('GET', '/api/hosts', { as: f.admin })).body,
    ].join('\n');
    assertNotIn(got, { 'agent token secret': secretPart }, 'GET /api/hosts');
    assertNotIn(
      storeBytes(f.t),
      { 'agent token': token, 'agent token secret': secretPart },
      'the SQLite files',
    );
    assertNotIn(
      JSON.stringify(await auditEvents(f, 'host.')),
      { 'agent token secret': secretPart },
      'the audit log',
    );

    const cid = randomHexId();
    const accepted = await ingest(f, token, fakeReport([{ id: cid, name: 'edge-web' }], 'edge-box-1'));
    assert.equal(accepted.statusCode, 202, accepted.body);
    assert.deepEqual(accepted.json(), { ok: true });
    const h = await getHost(f, id);
    assert.equal(h.agent?.hostname, 'edge-box-1');
    assert.ok(h.agent?.lastReportAt, 'lastReportAt set');
    assert.equal(h.status.state, 'connected');
    assert.equal(h.containerCount, 1);
  });

  it('rotate-token: the old token stops working at once, the new one works; admin+unlock only', async () => {
    const created = await createHost(f, { kind: 'agent', label: `rot-${randomBytes(3).toString('hex')}` });
    const id = created.host.id;
    const oldToken = created.agentToken as string;
    const report = fakeReport([{ id: randomHexId(), name: 'rot-c1' }]);
    assert.equal((await ingest(f, oldToken, report)).statusCode, 202);

    assertError(
      await f.t.request('POST', `/api/hosts/${id}/rotate-token`, { as: f.operator, body: {} }),
      403,
      'forbidden',
    );
    assertError(
      await f.t.request('POST', `/api/hosts/${id}/rotate-token`, { as: f.adminLocked, body: {} }),
      403,
      'unlock_required',
    );
    assert.equal((await ingest(f, oldToken, report)).statusCode, 202, 'refused rotations changed nothing');

    const rotated = await json<{ host: Host; agentToken: string | null; installCommand: string | null }>(
      await f.t.request('POST', `/api/hosts/${id}/rotate-token`, { as: f.admin, body: {} }),
    );
    const newToken = rotated.agentToken;
    assert.ok(newToken && newToken !== oldToken, 'a new token');
    assert.ok(rotated.installCommand?.includes(newToken));
    assertError(await ingest(f, oldToken, report), 401);
    const ok = await ingest(f, newToken, report);
    assert.equal(ok.statusCode, 202, ok.body);
    assert.ok(
      (await auditEvents(f, 'host.')).some((e) => /rotate/.test(e.action)),
      'rotation audited',
    );

    // Not an agent host: nothing to rotate.
    const local = (await json<HostList>(await f.t.request('GET', '/api/hosts', { as: f.admin }))).items.find(
      (h) => h.kind === 'local',
    );
    assert.ok(local);
    const bad = await f.t.request('POST', `/api/hosts/${local.id}/rotate-token`, { as: f.admin, body: {} });
    assert.ok([400, 409].includes(bad.statusCode), `rotate on a local host: ${bad.statusCode} ${bad.body}`);
  });

  it('ingest refuses absent, malformed, unknown and forged tokens with 401', async () => {
    const created = await createHost(f, { kind: 'agent', label: `tok-${randomBytes(3).toString('hex')}` });
    const token = created.agentToken as string;
    const id = created.host.id;
    const report = fakeReport([]);
    for (const bad of [
      null,
      '',
      'garbage',
      `alh_${id}_`,
      `alh_${id}_${'A'.repeat(43)}`,
      `alh_nosuchhost_${token.split('_').pop() ?? ''}`,
      token.slice(0, -1),
      `${token}x`,
    ]) {
      const res = await ingest(f, bad, report);
      assertError(res, 401);
    }
    // Another host's valid token does not write to this host (tokens are per host).
    const other = await createHost(f, { kind: 'agent', label: `tok2-${randomBytes(3).toString('hex')}` });
    const otherCid = randomHexId();
    assert.equal(
      (await ingest(f, other.agentToken as string, fakeReport([{ id: otherCid, name: 'other-c' }])))
        .statusCode,
      202,
    );
    const mine = await listContainers(f, `?host=${id}`);
    assert.ok(!mine.items.some((c) => c.id === otherCid));
    const theirs = await listContainers(f, `?host=${other.host.id}`);
    assert.ok(theirs.items.some((c) => c.id === otherCid && c.hostId === other.host.id));
  });

  it('deleting a host removes its containers from /api/containers (and its token stops working)', async () => {
    const created = await createHost(f, { kind: 'agent', label: `del-${randomBytes(3).toString('hex')}` });
    const id = created.host.id;
    const cids = [randomHexId(), randomHexId()];
    const accepted = await ingest(
      f,
      created.agentToken,
      fakeReport([
        { id: cids[0] as string, name: 'del-a' },
        { id: cids[1] as string, name: 'del-b', state: 'exited', exitCode: 2 },
      ]),
    );
    assert.equal(accepted.statusCode, 202, accepted.body);
    const listed = await listContainers(f, `?host=${id}`);
    assert.deepEqual(listed.items.map((c) => c.id).sort(), [...cids].sort());
    const red = listed.items.find((c) => c.id === cids[1]);
    assert.equal(red?.status, 'red');
    assert.equal(red?.exitCode, 2);

    const framesBefore = stream.frames.length;
    assertError(await f.t.request('DELETE', `/api/hosts/${id}`, { as: f.operator }), 403, 'forbidden');
    assertError(
      await f.t.request('DELETE', `/api/hosts/${id}`, { as: f.adminLocked }),
      403,
      'unlock_required',
    );
    assert.equal((await listContainers(f, `?host=${id}`)).items.length, 2, 'refused delete changed nothing');

    const del = await f.t.request('DELETE', `/api/hosts/${id}`, { as: f.admin });
    assert.equal(del.statusCode, 200, del.body);
    assert.deepEqual(del.json(), { ok: true });
    const all = await listContainers(f);
    assert.ok(
      !all.items.some((c) => c.hostId === id || cids.includes(c.id)),
      'containers of the removed host are gone',
    );
    assertError(await f.t.request('GET', `/api/hosts/${id}`, { as: f.admin }), 404, 'not_found');
    assertError(await ingest(f, created.agentToken, fakeReport([])), 401);
    const removal = (await auditEvents(f, 'host.')).find((e) => /^host\.(remove|delete)$/.test(e.action));
    assert.ok(removal, 'host removal audited (host.remove)');
    assert.equal(removal.actorName, 'admin');
    await stream.waitFrame(
      'host.removed on the live stream',
      (fr) =>
        stream.frames.indexOf(fr) >= framesBefore &&
        (fr.json as { type?: string; hostId?: string })?.type === 'host.removed' &&
        (fr.json as { hostId?: string }).hostId === id,
      3000,
    );
  });

  it('unknown host ids answer 404 identically; malformed ones 400', async () => {
    const a = assertError(
      await f.t.request('GET', '/api/hosts/nosuchhost', { as: f.viewer }),
      404,
      'not_found',
    );
    assert.ok(a.message.length > 0);
    assertError(await f.t.request('DELETE', '/api/hosts/nosuchhost', { as: f.admin }), 404, 'not_found');
    assertError(
      await f.t.request('PATCH', '/api/hosts/nosuchhost', { as: f.admin, body: { label: 'x' } }),
      404,
      'not_found',
    );
    const bad = await f.t.request('GET', `/api/hosts/${encodeURIComponent('a;b')}`, { as: f.viewer });
    assertError(bad, 400, 'validation_failed');
  });
});
