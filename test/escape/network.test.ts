// Escape suite, network family (issue 9): from inside a sealed sandbox, on both runtimes, with curl,
// python and node, toward decoys this test runs on this machine's own addresses. Direct connections
// with the proxy bypassed, DNS, a host not on the list, IP literals in every spelling, an allowed name
// that resolves to loopback, plain HTTP to a host not on the list, a port not on the route, and the
// deck's own API. Every attempt fails, no decoy records anything, and each refusal the gateway makes
// is on the session's record (its recent blocks, and the audit log).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Session } from '@airlock/contract/sessions';
import {
  assertNoConnection,
  assertRefused,
  curl,
  reachedDecoy,
  RUNTIMES,
  startEscapeDeck,
  type Attempt,
  type EscapeDeck,
} from './escape-deck';
import type { ClientResult } from './clients';

/** A DNS query for decoy.test (id 0x2a2a, one question, type A), as a resolver would send it. */
const DNS_QUERY = Buffer.concat([
  Buffer.from([0x2a, 0x2a, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
  Buffer.from([5, ...Buffer.from('decoy'), 4, ...Buffer.from('test'), 0, 0, 1, 0, 1]),
]).toString('latin1');

describe('escape: network', () => {
  let e: EscapeDeck;

  before(async () => {
    e = await startEscapeDeck({
      listenApi: true,
      routes: ({ decoy, apiPort }) => [
        { host: 'api.test', credential: 'api-key' },
        { host: 'decoy.test', ports: [443, 80] },
        // A listed name that resolves to loopback, with no override: on the decoy's port and the
        // API's, so only the private-address refusal stands between the sandbox and either.
        { host: 'localhost', ports: [decoy.tcp[0]!.port, apiPort!] },
      ],
    });
  });
  after(async () => {
    await e?.close();
  });

  for (const runtime of RUNTIMES) {
    describe(runtime, () => {
      let session: Session;
      before(() => {
        session = e.sessions[runtime][0]!;
      });

      const cmdFailed = (results: Map<string, ClientResult>, id: string) => {
        const r = results.get(id);
        assert.ok(r, `${id}: no result`);
        assert.ok(!reachedDecoy(r), `${id}: a decoy answered: ${JSON.stringify(r)}`);
        assert.notEqual(r.code, 0, `${id}: the command succeeded: ${JSON.stringify(r)}`);
        assert.notEqual(r.code, null, `${id}: ${r.error ?? 'no exit code'}`);
      };

      it('reaches the decoy through its route with every tool, over TLS and plain HTTP (the decoy is live)', async () => {
        const mark = e.decoy.mark();
        const results = await e.attack(session, [
          { id: 'curl https', tool: 'curl', spec: curl('https://decoy.test/live/curl') },
          { id: 'curl http', tool: 'curl', spec: curl('http://decoy.test/live/curl-plain') },
          {
            id: 'python https',
            tool: 'python',
            spec: { kind: 'request', url: 'https://decoy.test/live/py' },
          },
          {
            id: 'python http',
            tool: 'python',
            spec: { kind: 'request', url: 'http://decoy.test/live/py-plain' },
          },
          { id: 'node https', tool: 'node', spec: { kind: 'request', url: 'https://decoy.test/live/node' } },
          {
            id: 'node http',
            tool: 'node',
            spec: { kind: 'request', url: 'http://decoy.test/live/node-plain' },
          },
        ]);
        for (const [id, r] of results) assert.ok(reachedDecoy(r), `${id}: ${JSON.stringify(r)}`);
        const got = e.decoy.since(mark).requests;
        assert.deepEqual(got.map((q) => `${q.tls ? 'https' : 'http'} ${q.headers.host} ${q.url}`).sort(), [
          'http decoy.test /live/curl-plain',
          'http decoy.test /live/node-plain',
          'http decoy.test /live/py-plain',
          'https decoy.test /live/curl',
          'https decoy.test /live/node',
          'https decoy.test /live/py',
        ]);
      });

      it('cannot connect to anything directly, by IP, with the proxy bypassed (decoys on loopback, ::1 and the host address)', async () => {
        const mark = e.decoy.mark();
        const apiBefore = e.api!.connections();
        const targets = [
          ...e.decoy.tcp,
          { host: '127.0.0.1', port: e.api!.port, authority: `127.0.0.1:${e.api!.port}` },
        ];
        const attempts: Attempt[] = targets.flatMap((t) => [
          {
            id: `curl --noproxy '*' http://${t.authority}/`,
            tool: 'curl' as const,
            spec: {
              kind: 'cmd' as const,
              argv: ['curl', '-sS', '--noproxy', '*', '--max-time', '3', `http://${t.authority}/`],
            },
          },
          {
            id: `env -u *_proxy curl http://${t.authority}/`,
            tool: 'curl' as const,
            spec: {
              kind: 'cmd' as const,
              argv: [
                'env',
                '-u',
                'HTTP_PROXY',
                '-u',
                'http_proxy',
                '-u',
                'HTTPS_PROXY',
                '-u',
                'https_proxy',
                '-u',
                'ALL_PROXY',
                '-u',
                'all_proxy',
                'curl',
                '-sS',
                '--max-time',
                '3',
                `http://${t.authority}/`,
              ],
            },
          },
          {
            id: `python socket ${t.authority}`,
            tool: 'python' as const,
            spec: { kind: 'tcp' as const, host: t.host, port: t.port, send: 'GET / HTTP/1.0\r\n\r\n' },
          },
          {
            id: `node net ${t.authority}`,
            tool: 'node' as const,
            spec: { kind: 'tcp' as const, host: t.host, port: t.port, send: 'GET / HTTP/1.0\r\n\r\n' },
          },
        ]);
        const results = await e.attack(session, attempts);
        for (const a of attempts) {
          if (a.tool === 'curl') cmdFailed(results, a.id);
          else assertNoConnection(results, a.id);
        }
        assert.deepEqual(e.decoy.since(mark).connections, [], 'no decoy saw a connection');
        assert.equal(e.api!.connections(), apiBefore, 'the API saw no connection');
      });

      it('has no DNS: lookups fail with getent, python and node, and queries sent by address reach no decoy', async () => {
        // First make sure there is no way out at all, so the lookups below cannot send a query to
        // this machine's real resolver even if a sandbox were broken: only loopback may exist.
        const ifaces = await e.exec(session, [
          'sh',
          '-c',
          "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
        ]);
        assert.equal(ifaces.exitCode, 0, ifaces.stderr);
        assert.deepEqual(
          ifaces.stdout.trim().split('\n'),
          ['lo'],
          'the sandbox has an interface besides loopback',
        );

        const mark = e.decoy.mark();
        const names = ['decoy.test', 'unlisted.test', 'api.test'];
        const attempts: Attempt[] = [
          ...names.map((n) => ({
            id: `getent hosts ${n}`,
            tool: 'getent' as const,
            spec: { kind: 'cmd' as const, argv: ['getent', 'hosts', n] },
          })),
          ...names.map((n) => ({
            id: `python getaddrinfo ${n}`,
            tool: 'python' as const,
            spec: { kind: 'resolve' as const, name: n },
          })),
          ...names.map((n) => ({
            id: `node dns ${n}`,
            tool: 'node' as const,
            spec: { kind: 'resolve' as const, name: n },
          })),
          ...e.decoy.udp.flatMap((u) => [
            {
              id: `python DNS query to ${u.authority}`,
              tool: 'python' as const,
              spec: { kind: 'udp' as const, host: u.host, port: u.port, send: DNS_QUERY },
            },
            {
              id: `node DNS query to ${u.authority}`,
              tool: 'node' as const,
              spec: { kind: 'udp' as const, host: u.host, port: u.port, send: DNS_QUERY },
            },
          ]),
        ];
        const results = await e.attack(session, attempts);
        for (const n of names) {
          const g = results.get(`getent hosts ${n}`)!;
          // 2: not found; the lookup had nowhere to go.
          assert.equal(g.code, 2, `getent hosts ${n}: ${JSON.stringify(g)}`);
          const p = results.get(`python getaddrinfo ${n}`)!;
          assert.equal(p.resolved, undefined, `python getaddrinfo ${n} resolved: ${JSON.stringify(p)}`);
          assert.match(p.error ?? '', /gaierror/, `python getaddrinfo ${n}`);
          const j = results.get(`node dns ${n}`)!;
          assert.equal(j.resolved, undefined, `node dns.lookup ${n} resolved: ${JSON.stringify(j)}`);
          assert.match(j.error ?? '', /ENOTFOUND|EAI_AGAIN/, `node dns.lookup ${n}`);
          assert.equal(
            j.resolve4?.resolved,
            undefined,
            `node dns.resolve4 ${n} resolved: ${JSON.stringify(j)}`,
          );
          assert.ok(j.resolve4?.error, `node dns.resolve4 ${n}`);
        }
        for (const u of e.decoy.udp)
          for (const tool of ['python', 'node'])
            assert.ok(!reachedDecoy(results.get(`${tool} DNS query to ${u.authority}`)!));
        assert.deepEqual(e.decoy.since(mark).connections, [], 'no decoy saw a query or a connection');
      });

      it('refuses a host not on the list (403, no-route), reports it on the session and in the audit log', async () => {
        const mark = e.decoy.mark();
        const block = [{ rule: 'no-route', host: 'unlisted.test' }];
        const results = await e.attack(session, [
          {
            id: 'curl https://unlisted.test/',
            tool: 'curl',
            spec: curl('https://unlisted.test/'),
            blocks: block,
          },
          {
            id: 'python urllib https://unlisted.test/',
            tool: 'python',
            spec: { kind: 'request', url: 'https://unlisted.test/' },
            blocks: block,
          },
          {
            id: 'python CONNECT unlisted.test:443',
            tool: 'python',
            spec: {
              kind: 'tunnel',
              authority: 'unlisted.test:443',
              sni: 'unlisted.test',
              requests: [{ send: 'GET / HTTP/1.1\r\nHost: unlisted.test\r\n\r\n' }],
            },
            blocks: block,
          },
          {
            id: 'node https://unlisted.test/',
            tool: 'node',
            spec: { kind: 'request', url: 'https://unlisted.test/' },
            blocks: block,
          },
        ]);
        assertRefused(results, 'curl https://unlisted.test/', 'no-route');
        // urllib keeps the proxy's refusal of a tunnel to itself: it only says the status.
        assert.match(
          results.get('python urllib https://unlisted.test/')!.error ?? '',
          /Tunnel connection failed: 403/,
        );
        assertRefused(results, 'python CONNECT unlisted.test:443', 'no-route');
        assertRefused(results, 'node https://unlisted.test/', 'no-route');
        assert.deepEqual(e.decoy.since(mark).connections, []);
        const audit = await e.deck.api<{
          items: Array<{ target: string | null; details: Record<string, unknown> }>;
        }>('GET', '/api/audit?action=session.egress.blocked&limit=500');
        const mine = audit.items.filter(
          (i) => i.target === `session:${session.id}` && i.details.host === 'unlisted.test',
        );
        assert.equal(mine.length, 4, `audited: ${JSON.stringify(mine)}`);
        assert.ok(mine.every((i) => i.details.rule === 'no-route'));
      });

      it('refuses IP literals through the proxy in every spelling (dotted, [::1], decimal, octal, hex, short, mapped), CONNECT and plain', async () => {
        const mark = e.decoy.mark();
        const [v4, v6, outer] = e.decoy.tcp as [
          (typeof e.decoy.tcp)[0],
          (typeof e.decoy.tcp)[0],
          (typeof e.decoy.tcp)[0],
        ];
        const p = v4.port;
        const targets = [
          { t: `127.0.0.1:${p}`, host: '127.0.0.1' },
          { t: `[::1]:${v6.port}`, host: '::1' },
          { t: `2130706433:${p}`, host: '127.0.0.1' },
          { t: `0177.0.0.1:${p}`, host: '127.0.0.1' },
          { t: `0x7f000001:${p}`, host: '127.0.0.1' },
          { t: `127.1:${p}`, host: '127.0.0.1' },
          { t: `0x7f.1:${p}`, host: '127.0.0.1' },
          { t: `017700000001:${p}`, host: '127.0.0.1' },
          { t: `[::ffff:127.0.0.1]:${p}`, host: '::ffff:127.0.0.1' },
          { t: `${outer.host}:${outer.port}`, host: outer.host },
        ];
        const attempts: Attempt[] = targets.flatMap(({ t, host }) => {
          const blocks = [{ rule: 'ip-literal', ...(host ? { host } : {}) }];
          return [
            {
              id: `python CONNECT ${t}`,
              tool: 'python' as const,
              spec: { kind: 'proxy' as const, send: `CONNECT ${t} HTTP/1.1\r\nHost: ${t}\r\n\r\n` },
              blocks,
            },
            {
              id: `python GET http://${t}/`,
              tool: 'python' as const,
              spec: { kind: 'proxy' as const, send: `GET http://${t}/ HTTP/1.1\r\nHost: ${t}\r\n\r\n` },
              blocks,
            },
            {
              id: `node CONNECT ${t}`,
              tool: 'node' as const,
              spec: { kind: 'tunnel' as const, authority: t, sni: null, requests: [] },
              blocks,
            },
            { id: `curl https://${t}/`, tool: 'curl' as const, spec: curl('-k', `https://${t}/`), blocks },
            { id: `curl http://${t}/`, tool: 'curl' as const, spec: curl(`http://${t}/`), blocks },
          ];
        });
        const results = await e.attack(session, attempts);
        for (const a of attempts) assertRefused(results, a.id, 'ip-literal');
        assert.deepEqual(e.decoy.since(mark).connections, []);
      });

      it('refuses an allowed name that resolves to loopback (no override): private-address, CONNECT and plain', async () => {
        const mark = e.decoy.mark();
        const p = e.decoy.tcp[0]!.port;
        const block = [{ rule: 'private-address', host: 'localhost' }];
        const attempts: Attempt[] = [
          {
            id: 'curl https://localhost',
            tool: 'curl',
            spec: curl('--proxy', 'http://127.0.0.1:3128', `https://localhost:${p}/`),
            blocks: block,
          },
          {
            id: 'curl http://localhost',
            tool: 'curl',
            spec: curl('--proxy', 'http://127.0.0.1:3128', `http://localhost:${p}/`),
            blocks: block,
          },
          {
            id: 'python CONNECT LOCALHOST.',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: `CONNECT LOCALHOST.:${p} HTTP/1.1\r\nHost: LOCALHOST.:${p}\r\n\r\n`,
            },
            blocks: block,
          },
          {
            id: 'python GET http://localhost',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: `GET http://localhost:${p}/ HTTP/1.1\r\nHost: localhost:${p}\r\n\r\n`,
            },
            blocks: block,
          },
          {
            id: 'node CONNECT localhost',
            tool: 'node',
            spec: { kind: 'tunnel', authority: `localhost:${p}`, sni: 'localhost', requests: [] },
            blocks: block,
          },
          {
            id: 'node http://localhost',
            tool: 'node',
            spec: { kind: 'request', url: `http://localhost:${p}/` },
            blocks: block,
          },
        ];
        const results = await e.attack(session, attempts);
        for (const a of attempts) assertRefused(results, a.id, 'private-address');
        assert.deepEqual(e.decoy.since(mark).connections, [], 'the decoy on 127.0.0.1 recorded nothing');
      });

      it('refuses plain HTTP to a host not on the list (absolute-form)', async () => {
        const mark = e.decoy.mark();
        const block = [{ rule: 'no-route', host: 'unlisted.test' }];
        const attempts: Attempt[] = [
          {
            id: 'curl http://unlisted.test/x',
            tool: 'curl',
            spec: curl('http://unlisted.test/x'),
            blocks: block,
          },
          {
            id: 'python urllib http://unlisted.test/x',
            tool: 'python',
            spec: { kind: 'request', url: 'http://unlisted.test/x' },
            blocks: block,
          },
          {
            id: 'python raw GET http://unlisted.test/x',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: 'GET http://unlisted.test/x HTTP/1.1\r\nHost: unlisted.test\r\n\r\n',
            },
            blocks: block,
          },
          {
            id: 'python raw POST http://unlisted.test/x',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: 'POST http://unlisted.test/x HTTP/1.1\r\nHost: unlisted.test\r\nContent-Length: 4\r\n\r\nbody',
            },
            blocks: block,
          },
          {
            id: 'node http://unlisted.test/x',
            tool: 'node',
            spec: { kind: 'request', url: 'http://unlisted.test/x' },
            blocks: block,
          },
        ];
        const results = await e.attack(session, attempts);
        for (const a of attempts) assertRefused(results, a.id, 'no-route');
        assert.deepEqual(e.decoy.since(mark).connections, []);
      });

      it("refuses a port other than the route's, CONNECT and plain", async () => {
        const mark = e.decoy.mark();
        const port = (host: string) => [{ rule: 'port', host }];
        const attempts: Attempt[] = [
          {
            id: 'curl https://decoy.test:8443/',
            tool: 'curl',
            spec: curl('https://decoy.test:8443/'),
            blocks: port('decoy.test'),
          },
          {
            id: 'curl http://decoy.test:8080/',
            tool: 'curl',
            spec: curl('http://decoy.test:8080/'),
            blocks: port('decoy.test'),
          },
          {
            id: 'python CONNECT decoy.test:22',
            tool: 'python',
            spec: { kind: 'tunnel', authority: 'decoy.test:22', sni: 'decoy.test', requests: [] },
            blocks: port('decoy.test'),
          },
          {
            id: 'python urllib http://decoy.test:8080/',
            tool: 'python',
            spec: { kind: 'request', url: 'http://decoy.test:8080/' },
            blocks: port('decoy.test'),
          },
          {
            id: 'python CONNECT api.test:8443',
            tool: 'python',
            spec: { kind: 'tunnel', authority: 'api.test:8443', sni: 'api.test', requests: [] },
            blocks: port('api.test'),
          },
          {
            id: 'node https://decoy.test:8443/',
            tool: 'node',
            spec: { kind: 'request', url: 'https://decoy.test:8443/' },
            blocks: port('decoy.test'),
          },
          {
            id: 'node http://decoy.test:8080/',
            tool: 'node',
            spec: { kind: 'request', url: 'http://decoy.test:8080/' },
            blocks: port('decoy.test'),
          },
        ];
        const results = await e.attack(session, attempts);
        for (const a of attempts) assertRefused(results, a.id, 'port');
        assert.deepEqual(
          e.decoy.since(mark).connections,
          [],
          'the override would have dialled the decoy on any port',
        );
      });

      it("cannot reach the deck's own API, directly or through the proxy", async () => {
        const port = e.api!.port;
        // The API answers on that port (from this host), so the count below would see a connection.
        const before = e.api!.connections();
        const live = await new Promise<number>((resolve, reject) =>
          http
            .get({ host: '127.0.0.1', port, path: '/api/health', agent: false }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            })
            .on('error', reject),
        );
        assert.equal(live, 200);
        assert.equal(e.api!.connections(), before + 1);
        const apiBefore = e.api!.connections();
        const lit = [{ rule: 'ip-literal', host: '127.0.0.1' }];
        const priv = [{ rule: 'private-address', host: 'localhost' }];
        const attempts: Attempt[] = [
          {
            id: 'curl direct',
            tool: 'curl',
            spec: {
              kind: 'cmd',
              argv: [
                'curl',
                '-sS',
                '--noproxy',
                '*',
                '--max-time',
                '3',
                `http://127.0.0.1:${port}/api/health`,
              ],
            },
          },
          {
            id: 'python direct',
            tool: 'python',
            spec: { kind: 'tcp', host: '127.0.0.1', port, send: 'GET /api/health HTTP/1.0\r\n\r\n' },
          },
          {
            id: 'node direct',
            tool: 'node',
            spec: { kind: 'tcp', host: '127.0.0.1', port, send: 'GET /api/health HTTP/1.0\r\n\r\n' },
          },
          {
            id: 'curl via proxy by IP',
            tool: 'curl',
            spec: curl(`http://127.0.0.1:${port}/api/health`),
            blocks: lit,
          },
          {
            id: 'curl via proxy by name',
            tool: 'curl',
            spec: curl('--proxy', 'http://127.0.0.1:3128', `http://localhost:${port}/api/health`),
            blocks: priv,
          },
          {
            id: 'python CONNECT by IP',
            tool: 'python',
            spec: { kind: 'proxy', send: `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n` },
            blocks: lit,
          },
          {
            id: 'python GET by name',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: `GET http://localhost:${port}/api/health HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`,
            },
            blocks: priv,
          },
          {
            id: 'node CONNECT by name',
            tool: 'node',
            spec: { kind: 'tunnel', authority: `localhost:${port}`, sni: 'localhost', requests: [] },
            blocks: priv,
          },
          {
            id: 'node GET by IP',
            tool: 'node',
            spec: { kind: 'request', url: `http://127.0.0.1:${port}/api/health` },
            blocks: lit,
          },
        ];
        const results = await e.attack(session, attempts);
        for (const a of attempts) {
          if (a.blocks) assertRefused(results, a.id, a.blocks[0]!.rule);
          else if (a.tool === 'curl') cmdFailed(results, a.id);
          else assertNoConnection(results, a.id);
        }
        assert.equal(e.api!.connections(), apiBefore, 'the API saw no connection from the sandbox');
      });
    });
  }
});
