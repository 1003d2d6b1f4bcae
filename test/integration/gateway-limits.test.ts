// The gateway's bounded resources, through a real session socket of the real gateway process:
// connections per session, header size, idle connections. Each limit is set small for the test.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connectTunnel,
  rawExchange,
  startGateway,
  tlsUpstream,
  tunnelRequest,
  type TestGateway,
} from '../support/gateway';

const blockOf = async (gw: TestGateway, rule: string) => {
  for (let i = 0; i < 50; i++) {
    const b = gw.control.events.find((e) => e.kind === 'blocked' && e.rule === rule);
    if (b) return b;
    await sleep(20);
  }
  assert.fail(`no block event with rule ${rule}`);
};

describe('gateway: connections per session', () => {
  let gw: TestGateway;
  let up: Awaited<ReturnType<typeof tlsUpstream>>;
  const open: net.Socket[] = [];

  before(async () => {
    up = await tlsUpstream(['api.test']);
    gw = await startGateway({
      overrides: { 'api.test': { address: `127.0.0.1:${up.port}`, caPem: up.caPem } },
      limits: { tunnelsPerSession: 2 },
    });
  });
  after(async () => {
    for (const s of open) s.destroy();
    await gw?.stop();
    await up?.close();
  });

  it('answers 503 (rule tunnels) over the limit, counts per session, and frees a slot on close', async () => {
    const a = await gw.put('s-a', { routes: [{ host: 'api.test' }], credentials: [] });
    const b = await gw.put('s-b', { routes: [{ host: 'api.test' }], credentials: [] });
    for (let i = 0; i < 2; i++) {
      const t = await connectTunnel(a.socketPath, 'api.test:443');
      assert.match(t.status, / 200 /);
      open.push(t.socket);
    }
    const over = await connectTunnel(a.socketPath, 'api.test:443');
    assert.match(over.status, / 503 /);
    assert.match(over.head, /x-airlock-block: tunnels/i);
    over.socket.destroy();
    await blockOf(gw, 'tunnels');
    // Another session's budget is its own.
    const other = await tunnelRequest(b.socketPath, b.caCertPem, 'api.test:443');
    assert.equal(other.status, 200);
    // Closing one gives its slot back.
    open.shift()?.destroy();
    let again = '';
    for (let i = 0; i < 50 && !again.includes(' 200 '); i++) {
      await sleep(20);
      const t = await connectTunnel(a.socketPath, 'api.test:443');
      again = t.status;
      open.push(t.socket);
    }
    assert.match(again, / 200 /);
  });
});

describe('gateway: header size and idle connections', () => {
  let gw: TestGateway;
  let up: Awaited<ReturnType<typeof tlsUpstream>>;
  let sock = '';
  let ca = '';

  before(async () => {
    up = await tlsUpstream(['api.test']);
    gw = await startGateway({
      overrides: { 'api.test': { address: `127.0.0.1:${up.port}`, caPem: up.caPem } },
      limits: { headerBytes: 2048, idleTimeoutMs: 400 },
    });
    const put = await gw.put('s-lim', { routes: [{ host: 'api.test' }], credentials: [] });
    sock = put.socketPath;
    ca = put.caCertPem;
  });
  after(async () => {
    await gw?.stop();
    await up?.close();
  });

  it('answers 431 (rule header-size) to headers over the limit, plain and inside a tunnel', async () => {
    const seen = up.seen.length;
    const big = 'x'.repeat(4096);
    const plain = await rawExchange(
      sock,
      `GET http://api.test/ HTTP/1.1\r\nHost: api.test\r\nX-Big: ${big}\r\n\r\n`,
    );
    assert.match(plain, /^HTTP\/1\.1 431 /);
    assert.match(plain, /X-Airlock-Block: header-size/);
    assert.match(plain, /gateway\.limits\.headerBytes, 2048 bytes/);
    const tunnelled = await tunnelRequest(sock, ca, 'api.test:443', { headers: { 'x-big': big } });
    assert.equal(tunnelled.status, 431);
    assert.equal(tunnelled.headers['x-airlock-block'], 'header-size');
    const b = await blockOf(gw, 'header-size');
    assert.equal(b.kind === 'blocked' && b.rule, 'header-size');
    assert.equal(up.seen.length, seen, 'an oversized request reached the upstream');
    // A request under the limit still passes.
    assert.equal(
      (await tunnelRequest(sock, ca, 'api.test:443', { headers: { 'x-small': 'y'.repeat(500) } })).status,
      200,
    );
  });

  it('closes a tunnel with no traffic for the idle timeout', async () => {
    const t = await connectTunnel(sock, 'api.test:443');
    assert.match(t.status, / 200 /);
    const started = Date.now();
    await new Promise<void>((r) => (t.socket.destroyed ? r() : t.socket.once('close', () => r())));
    const idle = Date.now() - started;
    assert.ok(idle >= 300 && idle < 5000, `closed after ${idle} ms`);
  });
});
