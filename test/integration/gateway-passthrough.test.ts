// The gateway's passthrough routes (TLS relayed, not intercepted, but the ClientHello's server name
// still checked against the CONNECT host) and its per-session connection limit, attacked through a
// real session socket of the real gateway process. Every upstream is a local server this test runs.
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

const blockOf = (gw: TestGateway, rule: string) => async () => {
  for (let i = 0; i < 50; i++) {
    const b = gw.control.events.find((e) => e.kind === 'blocked' && e.rule === rule);
    if (b) return b;
    await sleep(20);
  }
  assert.fail(`no block event with rule ${rule}`);
};

describe('gateway: passthrough routes', () => {
  let gw: TestGateway;
  let up: Awaited<ReturnType<typeof tlsUpstream>>;
  let sock = '';
  let sessionCa = '';

  before(async () => {
    up = await tlsUpstream(['pass.test', 'other.test'], (req, res) =>
      res.end(`auth=${req.headers.authorization ?? ''}`),
    );
    const address = `127.0.0.1:${up.port}`;
    gw = await startGateway({
      overrides: { 'pass.test': { address, caPem: up.caPem }, 'other.test': { address, caPem: up.caPem } },
    });
    const put = await gw.put('s-pass', {
      routes: [{ host: 'pass.test', passthrough: true }],
      credentials: [],
    });
    sock = put.socketPath;
    sessionCa = put.caCertPem;
  });
  after(async () => {
    await gw?.stop();
    await up?.close();
  });

  it('relays TLS end to end: the sandbox sees the upstream’s own certificate, not a session leaf', async () => {
    const r = await tunnelRequest(sock, up.caPem, 'pass.test:443', {
      headers: { authorization: 'Bearer sandbox-own' },
    });
    assert.equal(r.status, 200);
    // Nothing was injected or replaced: the gateway never saw inside.
    assert.equal(r.body, 'auth=Bearer sandbox-own');
    // The session CA does not vouch for what it did not mint.
    await assert.rejects(tunnelRequest(sock, sessionCa, 'pass.test:443'), /certificate|self.signed|verify/i);
  });

  it('refuses a TLS server name other than the CONNECT host, before a byte reaches the upstream', async () => {
    const before = up.seen.length;
    await assert.rejects(tunnelRequest(sock, up.caPem, 'pass.test:443', { servername: 'other.test' }));
    const b = await blockOf(gw, 'sni-mismatch')();
    assert.equal(b.kind === 'blocked' && b.host, 'pass.test');
    assert.equal(up.seen.length, before, 'the fronted request reached the upstream');
  });

  it('refuses a passthrough tunnel that does not start with TLS', async () => {
    const before = up.seen.length;
    const out = await rawExchange(
      sock,
      'CONNECT pass.test:443 HTTP/1.1\r\nHost: pass.test:443\r\n\r\nGET / HTTP/1.1\r\nHost: other.test\r\n\r\n',
    );
    assert.match(out, /^HTTP\/1\.1 200/);
    assert.doesNotMatch(out, /auth=/);
    await blockOf(gw, 'not-tls')();
    assert.equal(up.seen.length, before);
  });

  it('refuses a policy that puts a credential on a passthrough route, keeping the old one', async () => {
    await assert.rejects(
      gw.put('s-pass', {
        routes: [{ host: 'pass.test', passthrough: true, credential: 'tok' }],
        credentials: [
          { name: 'tok', value: 'sk-x-0123456789', inject: { type: 'bearer' }, hosts: ['pass.test'] },
        ],
      }),
      /passthrough and cannot inject credential "tok"/,
    );
    const r = await tunnelRequest(sock, up.caPem, 'pass.test:443');
    assert.equal(r.status, 200);
  });
});

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
    await blockOf(gw, 'tunnels')();
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
