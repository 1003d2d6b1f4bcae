// What every escape-suite file shares: a sealed deck (real server, real gateway process, real
// runtimes) with the decoys behind the override map, one session per runtime, and the runner that
// sends a batch of attempts into a sandbox and checks that each block the gateway made reached the
// session's record. The names:
//   api.test       allowed, the credential `api-key` bound to it (startSealedDeck's upstream)
//   decoy.test     allowed on 443 and 80, no credential: the decoy (so only the gateway's checks, not
//                  the allowlist, stand between an attack over it and the decoy's record)
//   unlisted.test  in the override map, behind the decoy too, but on no route
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Route } from '@airlock/contract/gateway';
import type { ExecResult, Session, SessionBlock } from '@airlock/contract/sessions';
import { startDecoy, type Decoy } from '../support/decoy';
import { hostIpv4 } from '../support/sandbox';
import { startSealedDeck, type SealedDeck } from '../support/sealed';
import { NODE_CLIENT, PYTHON_CLIENT, type ClientResult, type ClientSpec } from './clients';

export const RUNTIMES = ['docker', 'bubblewrap'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/**
 * The injected credential: the sandbox never has it; tests hand it in as an agent that found it
 * would. Its base64 has a '+' at every alignment, so base64url is a different byte string at each.
 */
export const SECRET = 'sk-escape-giy~m4668i0e2~swe4au2e8y28~u';
export const CREDENTIAL = 'api-key';

export type Tool = 'curl' | 'python' | 'node' | 'openssl' | 'getent' | 'sh';

export interface ExpectedBlock {
  rule: string;
  /** The host the block names (normalised: lower case, canonical IP), when the test knows it. */
  host?: string;
  /** The port it names, when the test knows it. */
  port?: number;
}

export interface Attempt {
  /** Says what is tried, with which tool: it labels every assertion about it. */
  id: string;
  tool: Tool;
  spec: ClientSpec;
  /** The blocks the gateway must report for it (none: it must not reach the gateway at all). */
  blocks?: ExpectedBlock[];
}

export interface EscapeDeck {
  deck: SealedDeck;
  decoy: Decoy;
  /** This machine's own non-loopback IPv4 address (the decoy listens there too). */
  hostIp: string;
  sessions: Record<Runtime, Session[]>;
  /** The deck's API on loopback, when `listenApi` was set: its port and the connections it took. */
  api: { port: number; connections(): number } | null;
  exec(session: Session, argv: string[], stdin?: string, timeoutMs?: number): Promise<ExecResult>;
  /**
   * Runs `attempts` inside `session` (python and command-line tools in one exec, node in another,
   * in groups small enough for the session's recent-blocks window) and checks, group by group, that
   * the session recorded exactly the blocks they expect. Returns each attempt's result by id.
   */
  attack(session: Session, attempts: Attempt[]): Promise<Map<string, ClientResult>>;
  close(): Promise<void>;
}

/** How many blocks `GET /api/sessions/:id` lists. */
const RECENT = 20;

export async function startEscapeDeck(opts: {
  /** The profile's routes; `apiPort` is the deck's own API port when `listenApi` is set. */
  routes(ctx: { decoy: Decoy; apiPort: number | null }): Route[];
  /**
   * Also serve the deck's API on a real loopback port (tests drive it in-process otherwise), to
   * attack it from the sandbox; every connection it accepts is counted.
   */
  listenApi?: boolean;
  /** Sessions per runtime (two for the tests that look for another session's socket). */
  sessionsPerRuntime?: number;
}): Promise<EscapeDeck> {
  const hostIp = hostIpv4();
  const decoy = await startDecoy({
    names: ['decoy.test', 'unlisted.test'],
    hosts: ['127.0.0.1', '::1', hostIp],
  });
  const v4 = decoy.tcp[0]!;
  let deck: SealedDeck;
  try {
    deck = await startSealedDeck({
      overrides: {
        'decoy.test': { address: v4.authority, caPem: decoy.caPem },
        'unlisted.test': { address: v4.authority, caPem: decoy.caPem },
      },
    });
  } catch (err) {
    await decoy.close();
    throw err;
  }
  const sessions = { docker: [], bubblewrap: [] } as Record<Runtime, Session[]>;
  const close = async () => {
    await deck.close();
    await decoy.close();
  };
  let api: EscapeDeck['api'] = null;
  try {
    if (opts.listenApi) {
      const fastify = deck.t.app.fastify;
      await fastify.listen({ host: '127.0.0.1', port: 0 });
      let count = 0;
      fastify.server.on('connection', () => count++);
      api = { port: (fastify.server.address() as AddressInfo).port, connections: () => count };
    }
    await deck.api('POST', '/api/credentials', {
      name: CREDENTIAL,
      value: SECRET,
      inject: { type: 'bearer' },
      hosts: ['api.test'],
      env: 'API_KEY',
    });
    for (const runtime of RUNTIMES) {
      await deck.api('POST', '/api/profiles', {
        name: `escape-${runtime}`,
        runtime,
        routes: opts.routes({ decoy, apiPort: api?.port ?? null }),
      });
      for (let i = 0; i < (opts.sessionsPerRuntime ?? 1); i++) {
        const s = await deck.api<Session>('POST', '/api/sessions', { profile: `escape-${runtime}` });
        assert.equal(s.state, 'running', `the ${runtime} session did not start: ${s.stateReason}`);
        sessions[runtime].push(s);
        // Every attack uses these; under bubblewrap they come from the host's /usr.
        const tools = ['curl', 'python3', 'node', 'openssl', 'getent'];
        const r = await deck.api<ExecResult>('POST', `/api/sessions/${s.id}/exec`, {
          argv: [
            'sh',
            '-c',
            'for t in "$@"; do command -v "$t" >/dev/null || echo "$t"; done',
            'sh',
            ...tools,
          ],
        });
        assert.equal(
          r.stdout.trim(),
          '',
          `missing in the ${runtime} sandbox (install them): ${r.stdout.trim()}`,
        );
      }
    }
  } catch (err) {
    await close();
    throw err;
  }

  const exec = (session: Session, argv: string[], stdin?: string, timeoutMs = 60_000) =>
    deck.api<ExecResult>('POST', `/api/sessions/${session.id}/exec`, {
      argv,
      timeoutMs,
      ...(stdin !== undefined ? { stdin } : {}),
    });

  const runClient = async (session: Session, tool: 'python' | 'node', attempts: Attempt[]) => {
    if (attempts.length === 0) return [];
    const argv = tool === 'python' ? ['python3', '-c', PYTHON_CLIENT] : ['node', '-e', NODE_CLIENT];
    const stdin = JSON.stringify(attempts.map((a) => ({ id: a.id, ...a.spec })));
    const r = await exec(session, argv, stdin, 120_000);
    assert.equal(r.exitCode, 0, `the ${tool} client failed in the sandbox: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n').filter(Boolean);
    const results = lines.map((l) => JSON.parse(l) as ClientResult);
    assert.deepEqual(
      results.map((x) => x.id),
      attempts.map((a) => a.id),
      `the ${tool} client answered every attempt (stderr: ${r.stderr})`,
    );
    return results;
  };

  const blocksNow = (session: Session) => deck.api<Session>('GET', `/api/sessions/${session.id}`);

  /** Waits until the session has recorded `n` more blocks than `before`, then lists those `n`. */
  const newBlocks = async (session: Session, before: number, n: number): Promise<SessionBlock[]> => {
    let s = await blocksNow(session);
    for (let i = 0; i < 100 && s.blockedCount < before + n; i++) {
      await sleep(50);
      s = await blocksNow(session);
    }
    // A straggler past the expected count would be a block this batch did not expect.
    await sleep(150);
    s = await blocksNow(session);
    const got = s.blockedCount - before;
    assert.equal(
      got,
      n,
      `expected ${n} blocks, the session recorded ${got}: ${JSON.stringify(s.recentBlocks.slice(0, Math.max(got, 0)).map((b) => `${b.rule} ${b.host}`))}`,
    );
    return s.recentBlocks.slice(0, n);
  };

  const attack = async (session: Session, attempts: Attempt[]) => {
    const results = new Map<string, ClientResult>();
    const groups: Attempt[][] = [];
    let size = RECENT + 1;
    for (const a of attempts) {
      const n = a.blocks?.length ?? 0;
      assert.ok(n <= RECENT, `${a.id}: one attempt expects more blocks than the session lists`);
      if (size + n > RECENT) {
        groups.push([]);
        size = 0;
      }
      groups.at(-1)!.push(a);
      size += n;
    }
    for (const group of groups) {
      const before = (await blocksNow(session)).blockedCount;
      const py = group.filter((a) => a.tool !== 'node');
      for (const a of py)
        assert.ok(a.tool === 'python' || a.spec.kind === 'cmd', `${a.id}: ${a.tool} runs a command`);
      for (const r of [
        ...(await runClient(session, 'python', py)),
        ...(await runClient(
          session,
          'node',
          group.filter((a) => a.tool === 'node'),
        )),
      ])
        results.set(r.id, r);
      // Those that name their host first, so one that does not cannot take another's report.
      const expected = group
        .flatMap((a) => (a.blocks ?? []).map((b) => ({ ...b, id: a.id })))
        .sort((x, y) => Number(x.host === undefined) - Number(y.host === undefined));
      const got = await newBlocks(session, before, expected.length);
      // The same multiset, in whatever order the reports arrived.
      const left = [...got];
      const missing: string[] = [];
      for (const e of expected) {
        const i = left.findIndex(
          (b) =>
            b.rule === e.rule &&
            (e.host === undefined || b.host === e.host) &&
            (e.port === undefined || b.port === e.port),
        );
        if (i < 0) missing.push(`${e.id}: ${e.rule}${e.host ? ` ${e.host}` : ''}`);
        else left.splice(i, 1);
      }
      assert.deepEqual(
        missing,
        [],
        `blocks not reported as expected; unmatched reports: ${JSON.stringify(left.map((b) => `${b.rule} ${b.host}`))}; results: ${JSON.stringify(group.map((a) => results.get(a.id)))}`,
      );
    }
    return results;
  };

  return { deck, decoy, hostIp, sessions, api, exec, attack, close };
}

// ---- reading results -------------------------------------------------------------------------

/** Every X-Airlock-Block value a result shows, wherever it is (answers, curl's dumped headers). */
export function blockRules(r: ClientResult): string[] {
  const out: string[] = [];
  for (const a of [r.connect, r.answer, ...(r.answers ?? [])])
    if (a?.headers['x-airlock-block']) out.push(a.headers['x-airlock-block']);
  for (const text of [r.stdout, r.stderr])
    for (const m of (text ?? '').matchAll(/^<? ?x-airlock-block: *(\S+)/gim)) out.push(m[1]!);
  return out;
}

/**
 * True when anything in the result came from a decoy: its body says `decoy-reached` and its header
 * `x-decoy: reached` (curl dumps headers and drops the body; the clients keep both).
 */
export const reachedDecoy = (r: ClientResult): boolean =>
  /decoy-reached|x-decoy\W+reached/i.test(JSON.stringify(r));

/** Asserts the gateway refused the attempt with `rule`, and that no decoy answered it. */
export function assertRefused(results: Map<string, ClientResult>, id: string, rule: string): void {
  const r = results.get(id);
  assert.ok(r, `${id}: no result`);
  assert.ok(!reachedDecoy(r), `${id}: a decoy answered: ${JSON.stringify(r)}`);
  assert.ok(
    blockRules(r).includes(rule),
    `${id}: expected X-Airlock-Block: ${rule}, got ${JSON.stringify(r)}`,
  );
}

/** Asserts a direct attempt (no proxy) never connected (or, for a lookup, never resolved). */
export function assertNoConnection(results: Map<string, ClientResult>, id: string): void {
  const r = results.get(id);
  assert.ok(r, `${id}: no result`);
  assert.ok(!reachedDecoy(r), `${id}: a decoy answered: ${JSON.stringify(r)}`);
  assert.notEqual(r.connected, true, `${id}: connected: ${JSON.stringify(r)}`);
  assert.ok(r.error, `${id}: expected an error, got ${JSON.stringify(r)}`);
}

/** curl with the sandbox's proxy environment, the response headers (the proxy's too) on stdout. */
export const curl = (...args: string[]): ClientSpec => ({
  kind: 'cmd',
  argv: ['curl', '-sS', '--max-time', '10', '-D', '-', '-o', '/dev/null', ...args],
});
