// Escape suite, local sockets family (issue 9): from inside a sealed sandbox, on both runtimes, the
// ways out that are not the network. The Docker socket, the gateway's control socket, another
// session's gateway socket, and a unix socket the test itself listens on (by path, and in the
// abstract namespace, which no mount hides: only the network namespace does). None is visible or
// connectable; the only socket in the whole filesystem is the session's own /run/airlock/gw.sock;
// and what arrives on that socket counts for its own session, never another.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Session } from '@airlock/contract/sessions';
import { DOCKER_SOCKET } from '../support/docker';
import {
  assertNoConnection,
  curl,
  reachedDecoy,
  RUNTIMES,
  startEscapeDeck,
  type Attempt,
  type EscapeDeck,
} from './escape-deck';

/**
 * Walks the sandbox's filesystem: every socket, and every path whose name is one of `names` or that
 * contains one of `parts` (argv: a JSON object). Not /proc and /sys (the kernel's), nor /usr: the
 * read-only system tree (the image's, or the host's under bubblewrap), where no runtime binds anything
 * and whose walk alone would take most of this test's time.
 */
const WALK = String.raw`
import json, os, stat, sys
want = json.loads(sys.argv[1])
sockets, hits = [], []
for root, dirs, files in os.walk('/', onerror=lambda e: None):
    if root == '/':
        dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'usr')]
    for name in dirs + files:
        p = os.path.join(root, name)
        if name in want['names'] or any(x in p for x in want['parts']): hits.append(p)
        try:
            if stat.S_ISSOCK(os.lstat(p).st_mode): sockets.append(p)
        except OSError:
            pass
print(json.dumps({'sockets': sorted(sockets), 'hits': sorted(hits)}))
`;

/** Each path: connect with python and node, and curl --unix-socket; none may connect. */
function unixAttempts(label: string, paths: string[]): Attempt[] {
  return paths.flatMap((p): Attempt[] => [
    {
      id: `python connect ${label} ${p}`,
      tool: 'python',
      spec: { kind: 'unix', path: p, send: 'GET /version HTTP/1.0\r\n\r\n' },
    },
    {
      id: `node connect ${label} ${p}`,
      tool: 'node',
      spec: { kind: 'unix', path: p, send: 'GET /version HTTP/1.0\r\n\r\n' },
    },
    {
      id: `curl --unix-socket ${label} ${p}`,
      tool: 'curl',
      spec: {
        kind: 'cmd',
        argv: ['curl', '-sS', '--max-time', '3', '--unix-socket', p, 'http://localhost/version'],
      },
    },
  ]);
}

describe('escape: local sockets', () => {
  let e: EscapeDeck;

  before(async () => {
    e = await startEscapeDeck({
      sessionsPerRuntime: 2,
      routes: () => [{ host: 'decoy.test' }],
    });
  });
  after(async () => {
    await e?.close();
  });

  for (const runtime of RUNTIMES) {
    describe(runtime, () => {
      let a: Session;
      let b: Session;
      before(() => {
        [a, b] = e.sessions[runtime] as [Session, Session];
      });

      const assertAllFailed = (results: Awaited<ReturnType<EscapeDeck['attack']>>, attempts: Attempt[]) => {
        for (const x of attempts) {
          if (x.tool !== 'curl') {
            assertNoConnection(results, x.id);
            continue;
          }
          const r = results.get(x.id)!;
          assert.ok(!reachedDecoy(r), `${x.id}: ${JSON.stringify(r)}`);
          assert.ok(r.code !== 0 && r.code !== null, `${x.id}: curl reached something: ${JSON.stringify(r)}`);
        }
      };

      it('has one socket in its whole filesystem: its own gw.sock (no Docker, control, tmux or other session socket)', async () => {
        const want = {
          names: ['gateway.sock', 'docker.sock', 'containerd.sock'],
          parts: [b.id, e.deck.home],
        };
        const r = await e.exec(a, ['python3', '-c', WALK, JSON.stringify(want)]);
        assert.equal(r.exitCode, 0, r.stderr);
        const walk = JSON.parse(r.stdout) as { sockets: string[]; hits: string[] };
        assert.deepEqual(walk.sockets, ['/run/airlock/gw.sock']);
        assert.deepEqual(
          walk.hits,
          [],
          "nothing names the other session, the gateway's control socket, Docker or the deck's home",
        );
        const mine = await e.exec(a, ['ls', '-A', '/run/airlock']);
        assert.deepEqual(mine.stdout.trim().split('\n'), ['ca.pem', 'gw.sock']);
        // The CA in there is this session's, not the other's; readable, as NODE_EXTRA_CA_CERTS needs.
        const ca = await e.exec(a, ['cat', '/run/airlock/ca.pem']);
        assert.equal(ca.exitCode, 0, ca.stderr);
        const node = await e.exec(a, ['node', '-e', '0']);
        assert.doesNotMatch(node.stderr, /Ignoring extra certs/, 'node loads the session CA');
        const sessions = path.join(e.deck.home, 'run', 'sessions');
        assert.equal(ca.stdout, readFileSync(path.join(sessions, a.id, 'ca.pem'), 'utf8'));
        assert.notEqual(ca.stdout, readFileSync(path.join(sessions, b.id, 'ca.pem'), 'utf8'));
      });

      it('cannot see or reach the Docker socket', async () => {
        // It is there on this host, so a sandbox that had it would find it.
        assert.ok(statSync(DOCKER_SOCKET).isSocket(), `${DOCKER_SOCKET} is not a socket on this host`);
        const paths = ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock'];
        const seen = await e.exec(a, [
          'sh',
          '-c',
          'for p in "$@"; do [ -e "$p" ] && echo "$p"; done; true',
          'sh',
          ...paths,
        ]);
        assert.equal(seen.stdout, '', 'none of the paths exists in the sandbox');
        const env = await e.exec(a, ['env']);
        assert.doesNotMatch(env.stdout, /^DOCKER_HOST=/m);
        const attempts = [
          ...unixAttempts('docker', paths.slice(0, 2)),
          // The Docker API over TCP, should an engine listen on its usual ports: refused by IP through
          // the proxy, and nothing there directly.
          {
            id: 'curl docker API via the proxy',
            tool: 'curl' as const,
            spec: curl('http://127.0.0.1:2375/version'),
            blocks: [{ rule: 'ip-literal', host: '127.0.0.1' }],
          },
        ];
        const results = await e.attack(a, attempts);
        assertAllFailed(results, attempts.slice(0, -1));
        assert.match(
          results.get('curl docker API via the proxy')!.stdout ?? '',
          /X-Airlock-Block: ip-literal/i,
        );
      });

      it("cannot see or reach the gateway's control socket", async () => {
        const control = path.join(e.deck.home, 'run', 'gateway.sock');
        assert.ok(statSync(control).isSocket(), 'the control socket is there on the host');
        const seen = await e.exec(a, [
          'sh',
          '-c',
          'for p in "$@"; do [ -e "$p" ] && echo "$p"; done; true',
          'sh',
          control,
          e.deck.home,
          path.dirname(control),
        ]);
        assert.equal(seen.stdout, '', "nothing of the deck's home is in the sandbox");
        const attempts = unixAttempts('control', [control]);
        assertAllFailed(await e.attack(a, attempts), attempts);
      });

      it("cannot reach another session's socket, and its own socket's traffic counts for it alone", async () => {
        const other = path.join(e.deck.home, 'run', 'sessions', b.id, 'gw.sock');
        assert.ok(
          existsSync(other) && statSync(other).isSocket(),
          "the other session's socket is there on the host",
        );
        const attempts = unixAttempts('other session', [other, `/run/airlock/../../${other}`]);
        assertAllFailed(await e.attack(a, attempts), attempts);
        // A refused request from A through its socket: on A's record, not B's.
        const bBefore = (await e.deck.api<Session>('GET', `/api/sessions/${b.id}`)).blockedCount;
        const results = await e.attack(a, [
          {
            id: 'curl https://unlisted.test/',
            tool: 'curl',
            spec: curl('https://unlisted.test/'),
            blocks: [{ rule: 'no-route', host: 'unlisted.test' }],
          },
        ]);
        assert.match(results.get('curl https://unlisted.test/')!.stdout ?? '', /X-Airlock-Block: no-route/i);
        assert.equal((await e.deck.api<Session>('GET', `/api/sessions/${b.id}`)).blockedCount, bBefore);
      });

      it('cannot reach a unix socket on the host, by path or in the abstract namespace', async () => {
        // Both record a connection from the host, so one from a sandbox that reached them would show.
        for (const where of [e.decoy.unixPath, `\0${e.decoy.abstractName}`]) {
          const before = e.decoy.connections.length;
          await new Promise<void>((resolve, reject) => {
            const s = net.connect(where, () => s.end('probe', () => resolve()));
            s.once('error', reject);
          });
          for (let i = 0; i < 50 && e.decoy.connections.length === before; i++) await sleep(10);
          assert.equal(e.decoy.connections.length, before + 1, `${where} records connections`);
        }
        const mark = e.decoy.mark();
        const attempts = [
          ...unixAttempts('host path', [e.decoy.unixPath]),
          ...unixAttempts('abstract', [`\0${e.decoy.abstractName}`]).filter((x) => x.tool !== 'curl'),
        ];
        assertAllFailed(await e.attack(a, attempts), attempts);
        const table = await e.exec(a, ['cat', '/proc/net/unix']);
        assert.equal(table.exitCode, 0, table.stderr);
        assert.ok(
          !table.stdout.includes(e.decoy.abstractName),
          "the host's abstract socket is not in the sandbox's table",
        );
        assert.deepEqual(e.decoy.since(mark).connections, []);
      });
    });
  }
});
