// The gateway's passthrough routes (TLS relayed, not intercepted, but the ClientHello's server name
// still checked against the CONNECT host), attacked through a real session socket of the real
// gateway process. Every upstream is a local server this test runs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawExchange, startGateway, tlsUpstream, tunnelRequest, type TestGateway } from '../support/gateway';

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
