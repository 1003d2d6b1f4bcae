// Escape suite, TLS and tunnel family (issue 9): from inside a sealed sandbox, on both runtimes.
// Domain fronting by SNI (a tunnel to an allowed host that asks TLS for another name, or for none),
// a Host that differs from the CONNECT target on the first request of a tunnel and on a later one,
// and a CONNECT relayed through an allowed host (inside an intercepted tunnel, or as a later request
// on a plain keep-alive connection). The decoy behind decoy.test (allowed) and unlisted.test (not)
// answers only the legitimate requests, and each refusal is on the session's record.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Session } from '@airlock/contract/sessions';
import {
  assertRefused,
  blockRules,
  curl,
  reachedDecoy,
  RUNTIMES,
  SECRET,
  startEscapeDeck,
  type Attempt,
  type EscapeDeck,
} from './escape-deck';

const get = (host: string, path = '/') => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;

describe('escape: TLS and tunnels', () => {
  let e: EscapeDeck;

  before(async () => {
    e = await startEscapeDeck({
      routes: () => [
        { host: 'api.test', credential: 'api-key' },
        { host: 'decoy.test', ports: [443, 80] },
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

      /** Only the requests this test meant to be legitimate reached the decoy, each for decoy.test. */
      /**
       * Only the requests this test meant to be legitimate reached the decoy, each for decoy.test
       * (`maybe`: legitimate ones that may or may not have gone out before the connection was cut).
       */
      const onlyLegit = (
        mark: ReturnType<EscapeDeck['decoy']['mark']>,
        paths: string[],
        maybe: string[] = [],
      ) => {
        const got = e.decoy
          .since(mark)
          .requests.map((q) => `${q.headers.host} ${q.url}`)
          .filter((x) => !maybe.some((p) => x === `decoy.test ${p}`));
        assert.deepEqual(
          got.sort(),
          paths.map((p) => `decoy.test ${p}`).sort(),
          'the decoy got exactly the legitimate requests',
        );
        assert.ok(!e.decoy.everything().includes(SECRET), 'and never the credential');
      };

      it('refuses a TLS server name other than the CONNECT host (domain fronting), or none, before any request', async () => {
        const mark = e.decoy.mark();
        const apiSeen = e.deck.upstream.seen.length;
        const sni = (host: string) => [{ rule: 'sni-mismatch', host }];
        const attempts: Attempt[] = [
          {
            id: 'python: tunnel to decoy.test, SNI api.test',
            tool: 'python',
            spec: {
              kind: 'tunnel',
              authority: 'decoy.test:443',
              sni: 'api.test',
              requests: [{ send: get('api.test') }],
            },
            blocks: sni('decoy.test'),
          },
          {
            id: 'python: tunnel to decoy.test, SNI unlisted.test',
            tool: 'python',
            spec: {
              kind: 'tunnel',
              authority: 'decoy.test:443',
              sni: 'unlisted.test',
              requests: [{ send: get('unlisted.test') }],
            },
            blocks: sni('decoy.test'),
          },
          {
            // Right after a legitimate request, so the gateway holds a warm connection to the decoy
            // and a request it let through would arrive there at once.
            id: 'python: warm-up',
            tool: 'python',
            spec: { kind: 'request', url: 'https://decoy.test/python/warm-up' },
          },
          {
            id: 'python: tunnel to decoy.test, no SNI',
            tool: 'python',
            spec: {
              kind: 'tunnel',
              authority: 'decoy.test:443',
              sni: null,
              requests: [{ send: get('decoy.test', '/python/no-sni') }],
            },
            blocks: sni('decoy.test'),
          },
          {
            id: 'python: tunnel to api.test (the credential host), SNI decoy.test',
            tool: 'python',
            spec: {
              kind: 'tunnel',
              authority: 'api.test:443',
              sni: 'decoy.test',
              requests: [{ send: get('decoy.test') }],
            },
            blocks: sni('api.test'),
          },
          {
            id: 'node: tunnel to decoy.test, servername api.test',
            tool: 'node',
            spec: {
              kind: 'tunnel',
              authority: 'decoy.test:443',
              sni: 'api.test',
              requests: [{ send: get('api.test') }],
            },
            blocks: sni('decoy.test'),
          },
          {
            // Right after a legitimate request, so the gateway holds a warm connection to the decoy
            // and a request it let through would arrive there at once.
            id: 'node: warm-up',
            tool: 'node',
            spec: { kind: 'request', url: 'https://decoy.test/node/warm-up' },
          },
          {
            id: 'node: tunnel to decoy.test, no servername',
            tool: 'node',
            spec: {
              kind: 'tunnel',
              authority: 'decoy.test:443',
              sni: null,
              requests: [{ send: get('decoy.test', '/node/no-sni') }],
            },
            blocks: sni('decoy.test'),
          },
          {
            id: 'openssl s_client -proxy, -connect decoy.test:443 -servername unlisted.test',
            tool: 'openssl',
            spec: {
              kind: 'cmd',
              argv: [
                'openssl',
                's_client',
                '-proxy',
                '127.0.0.1:3128',
                '-connect',
                'decoy.test:443',
                '-servername',
                'unlisted.test',
                '-verify_return_error',
                '-CAfile',
                '/etc/ssl/certs/ca-certificates.crt',
              ],
              input: get('unlisted.test'),
            },
            blocks: sni('decoy.test'),
          },
          {
            id: 'curl --connect-to api.test:443:decoy.test:443 https://api.test/',
            tool: 'curl',
            spec: curl('--connect-to', 'api.test:443:decoy.test:443', 'https://api.test/'),
            blocks: sni('decoy.test'),
          },
        ];
        const results = await e.attack(session, attempts);
        for (const a of attempts) {
          const r = results.get(a.id)!;
          if (a.id.endsWith('warm-up')) {
            assert.ok(reachedDecoy(r), `${a.id}: ${JSON.stringify(r)}`);
            continue;
          }
          assert.ok(!reachedDecoy(r), `${a.id}: a decoy answered: ${JSON.stringify(r)}`);
          if (a.spec.kind === 'tunnel') {
            assert.equal(r.connect?.status, 200, `${a.id}: the tunnel itself is allowed`);
            // No SNI: the handshake may finish before the gateway sees there was none; no answer comes.
            assert.ok(r.tlsError || r.answers?.[0] === null, `${a.id}: ${JSON.stringify(r)}`);
          } else {
            assert.notEqual(r.code, 0, `${a.id}: ${JSON.stringify(r)}`);
          }
        }
        onlyLegit(mark, ['/python/warm-up', '/node/warm-up']);
        // The warm-ups' connection, and none that was opened for a refused tunnel and then cut.
        assert.ok(
          e.decoy.since(mark).connections.every((c) => c.tls?.sni === 'decoy.test' && c.tls.plain.length > 0),
        );
        assert.equal(e.deck.upstream.seen.length, apiSeen, 'nor was api.test');
      });

      it('refuses a Host that differs from the CONNECT target, on the first request and on a later one in the same tunnel', async () => {
        const mark = e.decoy.mark();
        const apiSeen = e.deck.upstream.seen.length;
        const mismatch = (host: string) => [{ rule: 'host-mismatch', host }];
        const legit = (path: string) => ({ send: get('decoy.test', path) });
        const attempts: Attempt[] = [];
        for (const tool of ['python', 'node'] as const) {
          attempts.push(
            {
              id: `${tool}: first request Host: unlisted.test`,
              tool,
              spec: {
                kind: 'tunnel',
                authority: 'decoy.test:443',
                sni: 'decoy.test',
                requests: [{ send: get('unlisted.test') }],
              },
              blocks: mismatch('decoy.test'),
            },
            {
              id: `${tool}: second request Host: unlisted.test`,
              tool,
              spec: {
                kind: 'tunnel',
                authority: 'decoy.test:443',
                sni: 'decoy.test',
                requests: [legit(`/${tool}/first`), { send: get('unlisted.test', `/${tool}/second`) }],
              },
              blocks: mismatch('decoy.test'),
            },
            {
              id: `${tool}: second request Host: api.test (the credential host)`,
              tool,
              spec: {
                kind: 'tunnel',
                authority: 'decoy.test:443',
                sni: 'decoy.test',
                requests: [legit(`/${tool}/first-of-api`), { send: get('api.test', `/${tool}/second-api`) }],
              },
              blocks: mismatch('decoy.test'),
            },
            {
              id: `${tool}: second request absolute-form https://unlisted.test/`,
              tool,
              spec: {
                kind: 'tunnel',
                authority: 'decoy.test:443',
                sni: 'decoy.test',
                requests: [
                  legit(`/${tool}/first-of-abs`),
                  { send: 'GET https://unlisted.test/abs HTTP/1.1\r\nHost: decoy.test\r\n\r\n' },
                ],
              },
              blocks: mismatch('decoy.test'),
            },
            {
              id: `${tool}: Host with another port`,
              tool,
              spec: {
                kind: 'tunnel',
                authority: 'decoy.test:443',
                sni: 'decoy.test',
                requests: [{ send: get('decoy.test:8443') }],
              },
              blocks: mismatch('decoy.test'),
            },
            {
              id: `${tool}: tunnel to api.test, Host: decoy.test`,
              tool,
              spec: {
                kind: 'tunnel',
                authority: 'api.test:443',
                sni: 'api.test',
                requests: [{ send: get('decoy.test') }],
              },
              blocks: mismatch('api.test'),
            },
          );
        }
        attempts.push(
          {
            id: 'curl -H "Host: unlisted.test" https://decoy.test/',
            tool: 'curl',
            spec: curl('-H', 'Host: unlisted.test', 'https://decoy.test/curl/host'),
            blocks: mismatch('decoy.test'),
          },
          {
            id: 'curl: a second URL on the reused connection with Host: unlisted.test',
            tool: 'curl',
            spec: {
              kind: 'cmd',
              argv: [
                'curl',
                '-sS',
                '--max-time',
                '10',
                '-D',
                '-',
                '-o',
                '/dev/null',
                '-w',
                'connects=%{num_connects}\n',
                'https://decoy.test/curl/first',
                '--next',
                '-sS',
                '-D',
                '-',
                '-o',
                '/dev/null',
                '-w',
                'connects=%{num_connects}\n',
                '-H',
                'Host: unlisted.test',
                'https://decoy.test/curl/second',
              ],
            },
            blocks: mismatch('decoy.test'),
          },
        );
        const results = await e.attack(session, attempts);
        for (const a of attempts) {
          const r = results.get(a.id)!;
          assert.ok(blockRules(r).includes('host-mismatch'), `${a.id}: ${JSON.stringify(r)}`);
          if (a.spec.kind !== 'tunnel') continue;
          assert.equal(r.connect?.status, 200, `${a.id}: the tunnel itself is allowed: ${JSON.stringify(r)}`);
          const answers = r.answers ?? [];
          const last = answers.at(-1);
          assert.equal(last?.status, 403, `${a.id}: the mismatched request is refused: ${JSON.stringify(r)}`);
          assert.equal(last?.headers['x-airlock-block'], 'host-mismatch', a.id);
          if (a.spec.requests.length === 2)
            assert.match(answers[0]?.body ?? '', /decoy-reached/, `${a.id}: the first request was fine`);
        }
        const reused = results.get('curl: a second URL on the reused connection with Host: unlisted.test')!;
        // The second transfer opened no connection of its own: it asked on the first one's tunnel.
        assert.match(reused.stdout ?? '', /connects=1\n[^]*connects=0\n/, JSON.stringify(reused));
        onlyLegit(mark, [
          '/python/first',
          '/python/first-of-api',
          '/python/first-of-abs',
          '/node/first',
          '/node/first-of-api',
          '/node/first-of-abs',
          '/curl/first',
        ]);
        assert.equal(e.deck.upstream.seen.length, apiSeen, 'api.test got nothing');
      });

      it('refuses a CONNECT relayed through an allowed host: inside the tunnel, or later on a plain keep-alive connection', async () => {
        const mark = e.decoy.mark();
        // The gateway reports a relayed CONNECT by the target it tried to reach through the tunnel.
        const relayed = (host: string, port: number) => [{ rule: 'relayed-connect', host, port }];
        const inner = (target: string) => `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`;
        const attempts: Attempt[] = [];
        for (const tool of ['python', 'node'] as const) {
          attempts.push(
            {
              id: `${tool}: CONNECT unlisted.test:443 inside the tunnel to decoy.test`,
              tool,
              spec: {
                kind: 'tunnel',
                authority: 'decoy.test:443',
                sni: 'decoy.test',
                requests: [{ send: inner('unlisted.test:443') }],
              },
              blocks: relayed('unlisted.test', 443),
            },
            {
              id: `${tool}: CONNECT decoy.test:443 inside the tunnel to decoy.test, after a request`,
              tool,
              spec: {
                kind: 'tunnel',
                authority: 'decoy.test:443',
                sni: 'decoy.test',
                requests: [
                  { send: get('decoy.test', `/${tool}/before-relay`) },
                  { send: inner('decoy.test:443') },
                ],
              },
              blocks: relayed('decoy.test', 443),
            },
            {
              id: `${tool}: plain GET to decoy.test, then CONNECT unlisted.test:443 on the same connection`,
              tool,
              spec: {
                kind: 'proxy',
                send: [
                  {
                    data: `GET http://decoy.test/${tool}/plain-first HTTP/1.1\r\nHost: decoy.test\r\n\r\n`,
                    delayMs: 300,
                  },
                  { data: inner('unlisted.test:443') },
                ],
                responses: 2,
              },
              blocks: [{ rule: 'no-route', host: 'unlisted.test' }],
            },
          );
        }
        attempts.push(
          {
            id: 'python: pipelined GET to decoy.test and CONNECT unlisted.test:443 in one write',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: `GET http://decoy.test/python/pipelined HTTP/1.1\r\nHost: decoy.test\r\n\r\n${inner('unlisted.test:443')}`,
              responses: 2,
            },
            blocks: [{ rule: 'no-route', host: 'unlisted.test' }],
          },
          {
            id: 'python: plain GET to decoy.test, then GET http://unlisted.test/ on the same connection',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: `GET http://decoy.test/python/keepalive HTTP/1.1\r\nHost: decoy.test\r\n\r\nGET http://unlisted.test/x HTTP/1.1\r\nHost: unlisted.test\r\n\r\n`,
              responses: 2,
            },
            blocks: [{ rule: 'no-route', host: 'unlisted.test' }],
          },
          {
            id: 'python: a CONNECT request line with an absolute http:// target',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: 'CONNECT http://decoy.test:80/ HTTP/1.1\r\nHost: decoy.test\r\n\r\n',
            },
            blocks: [{ rule: 'bad-host' }],
          },
          {
            id: 'curl -p: a tunnel to decoy.test:80, plain HTTP inside it',
            tool: 'curl',
            spec: curl('-p', 'http://decoy.test/curl/tunnelled-plain'),
            blocks: [{ rule: 'not-tls', host: 'decoy.test' }],
          },
        );
        const results = await e.attack(session, attempts);
        for (const a of attempts) {
          const r = results.get(a.id)!;
          const rule = a.blocks![0]!.rule;
          assert.ok(blockRules(r).includes(rule), `${a.id}: expected ${rule}: ${JSON.stringify(r)}`);
          const answers = r.answers ?? [];
          if (a.spec.kind === 'tunnel' && a.spec.requests.length === 1)
            assert.ok(!reachedDecoy(r), `${a.id}: ${JSON.stringify(r)}`);
          if (a.id.includes('pipelined')) {
            // The CONNECT is parsed while the GET before it is still on its way, and refused at once.
            assert.ok(
              answers.some((x) => x?.headers['x-airlock-block'] === 'no-route'),
              a.id,
            );
          } else if (answers.length === 2 || (a.spec.kind === 'tunnel' && a.spec.requests.length === 2)) {
            assert.match(answers[0]?.body ?? '', /decoy-reached/, `${a.id}: the first request was fine`);
            assert.equal(
              answers[1]?.status,
              rule === 'bad-host' ? 400 : 403,
              `${a.id}: ${JSON.stringify(r)}`,
            );
          }
        }
        assertRefused(results, 'python: a CONNECT request line with an absolute http:// target', 'bad-host');
        onlyLegit(
          mark,
          [
            '/python/before-relay',
            '/node/before-relay',
            '/python/plain-first',
            '/node/plain-first',
            '/python/keepalive',
          ],
          ['/python/pipelined'],
        );
        // Not one CONNECT line (nor its target) reached the decoy as bytes of another request.
        assert.ok(!/CONNECT|unlisted\.test/.test(e.decoy.everything().toString('latin1')));
      });
    });
  }
});
