import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SocketClose } from '@airlock/contract/socket-close';
import type { Caller } from '../support/app';
import { PASSWORD } from '../support/app';
import { ensureBaseImage, removeContainers } from '../support/docker';
import {
  createHost,
  openWs,
  runContainer,
  startFleetApp,
  type FleetApp,
  type WsClient,
} from '../support/fleet';

// A socket authenticates once, at the upgrade. These tests revoke the credential behind an open
// socket every way there is and expect the server to close it within about a second (the re-check
// runs every 500 ms), with a code the client can tell from a network drop.

const RUN = randomBytes(4).toString('hex');
const CONTAINER = `airlock-test-${RUN}-live`;

/** Resolves with the close code, or rejects if the server keeps the socket open past `ms`. */
async function closedWithin(ws: WsClient, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ws.closed.then((c) => c.code),
      new Promise<number>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`the server kept the socket open for ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const auditFrames = (ws: WsClient) =>
  ws.messages().filter((m) => (m as { type?: string }).type === 'audit.appended').length;

describe('live sockets end with the credential that opened them', () => {
  let f: FleetApp;
  let hostId = '';
  let n = 0;

  before(async () => {
    await ensureBaseImage();
    f = await startFleetApp();
    hostId = (await createHost(f, { kind: 'local', label: `live-${RUN}` })).host.id;
    await runContainer(CONTAINER, [], ['sleep', 'infinity']);
  });
  after(async () => {
    await removeContainers([CONTAINER]);
    await f?.close();
  });

  /** A fresh operator (so one test's revocation does not end another's sockets), signed in and unlocked. */
  async function freshOperator(): Promise<Caller & { id: string }> {
    const name = `op${++n}-${RUN}`;
    const id = await f.t.createUser(f.admin, name, 'operator');
    const c = await f.t.login(name, PASSWORD);
    await f.t.unlock(c);
    return { ...c, id };
  }

  const stream = (as: Caller) => openWs(f, '/api/stream', as);
  const shell = async (as: Caller) => {
    const ws = await openWs(f, `/api/containers/${hostId}/${CONTAINER}/exec?cols=80&rows=24`, as);
    await ws.waitFrame('ready', (fr) => (fr.json as { type?: string })?.type === 'ready');
    return ws;
  };
  const patchUser = async (id: string, body: Record<string, unknown>) => {
    const res = await f.t.request('PATCH', `/api/users/${id}`, { as: f.admin, body });
    assert.equal(res.statusCode, 200, res.body);
  };

  it('logout closes the stream and the shell of that session', async () => {
    const op = await freshOperator();
    const s = await stream(op);
    const sh = await shell(op);
    const res = await f.t.request('POST', '/api/auth/logout', { as: op });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await closedWithin(s, 2000), SocketClose.signedOut);
    assert.equal(await closedWithin(sh, 2000), SocketClose.signedOut);
  });

  it('disabling the user closes their sockets', async () => {
    const op = await freshOperator();
    const s = await stream(op);
    const sh = await shell(op);
    await patchUser(op.id, { disabled: true });
    assert.equal(await closedWithin(s, 2000), SocketClose.signedOut);
    assert.equal(await closedWithin(sh, 2000), SocketClose.signedOut);
  });

  it('demoting the user closes a shell opened by their session', async () => {
    const op = await freshOperator();
    const sh = await shell(op);
    await patchUser(op.id, { role: 'viewer' });
    assert.ok(
      [SocketClose.signedOut, SocketClose.roleChanged].includes((await closedWithin(sh, 2000)) as 4401),
    );
  });

  it('demoting the owner of an API token closes its shell and stops audit events on its stream', async () => {
    const op = await freshOperator();
    const token = await f.t.createToken(op, 'live test');
    const bearer: Caller = { ...op, cookie: undefined, csrf: undefined, bearer: token.secret };
    await f.t.unlock(bearer);
    const s = await stream(bearer);
    const sh = await shell(bearer);
    // An operator's stream carries audit events...
    await f.t.createUser(f.admin, `probe1-${RUN}`, 'viewer');
    await s.waitFrame('audit.appended', (fr) => (fr.json as { type?: string })?.type === 'audit.appended');
    // ...until the role drops. The token lives on (it acts with its owner's current role).
    await patchUser(op.id, { role: 'viewer' });
    assert.equal(await closedWithin(sh, 2000), SocketClose.roleChanged);
    await new Promise((r) => setTimeout(r, 1200));
    const before = auditFrames(s);
    await f.t.createUser(f.admin, `probe2-${RUN}`, 'viewer');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(auditFrames(s), before, 'a viewer stream carried an audit event');
    assert.equal(s.isClosed(), false, 'the stream itself is still allowed for a viewer');
    await s.close();
  });

  it('revoking the API token closes the sockets it opened', async () => {
    const op = await freshOperator();
    const token = await f.t.createToken(op, 'revoked');
    const bearer: Caller = { ...op, cookie: undefined, csrf: undefined, bearer: token.secret };
    await f.t.unlock(bearer);
    const s = await stream(bearer);
    const sh = await shell(bearer);
    const res = await f.t.request('DELETE', `/api/tokens/${token.id}`, { as: op });
    assert.ok(res.statusCode < 300, res.body);
    assert.equal(await closedWithin(s, 2000), SocketClose.signedOut);
    assert.equal(await closedWithin(sh, 2000), SocketClose.signedOut);
  });

  it('idle and absolute expiry close the sockets of a session', async () => {
    const idle = await freshOperator();
    const absolute = await freshOperator();
    const s1 = await stream(idle);
    const s2 = await stream(absolute);
    const sessions = await f.t.store.db.selectFrom('sessions').select(['id', 'user_id']).execute();
    const idOf = (userId: string) => sessions.filter((r) => r.user_id === userId).map((r) => r.id);
    const long = new Date(Date.now() - 10 * 24 * 3_600_000).toISOString();
    await f.t.store.db
      .updateTable('sessions')
      .set({ last_seen_at: long })
      .where('id', 'in', idOf(idle.id))
      .execute();
    await f.t.store.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', 'in', idOf(absolute.id))
      .execute();
    assert.equal(await closedWithin(s1, 2000), SocketClose.signedOut);
    assert.equal(await closedWithin(s2, 2000), SocketClose.signedOut);
  });

  it('a shell ends once its unlock window has been closed longer than the maximum, not before', async () => {
    const op = await freshOperator();
    const sh = await shell(op);
    const rows = await f.t.store.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', op.id)
      .execute();
    const setUnlock = (msAgo: number) =>
      f.t.store.db
        .updateTable('sessions')
        .set({ unlocked_until: new Date(Date.now() - msAgo).toISOString() })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
    // Closed a minute ago: within the default hour, the shell stays.
    await setUnlock(60_000);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(sh.isClosed(), false, 'the shell ended while still within the maximum');
    sh.ws.send(Buffer.from('echo still-$((40+2))\n'), { binary: true });
    await sh.waitFrame('output', () => sh.binaryText().includes('still-42'), 5000);
    // Closed more than an hour ago: the shell ends.
    await setUnlock(61 * 60_000);
    assert.equal(await closedWithin(sh, 2000), SocketClose.unlockExpired);
  });

  it('a socket whose credential stands is left alone', async () => {
    const op = await freshOperator();
    const s = await stream(op);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(s.isClosed(), false);
    await s.close();
  });
});
