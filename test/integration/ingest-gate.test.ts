// Push ingest admission (issue 8): one leaked or looping host token must not slow the deck. Per
// host, one report in flight and a least spacing of half the interval, refused with 429 and
// Retry-After before the body is read; other hosts are not affected.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { assertError } from '../support/app';
import {
  createHost,
  fakeReport,
  ingest,
  randomHexId,
  startFleetApp,
  waitFor,
  type FleetApp,
} from '../support/fleet';

const report = (name: string) => fakeReport([{ id: randomHexId(), name }]);

async function agentHost(f: FleetApp, label: string, intervalSeconds = 30): Promise<string> {
  const created = await createHost(f, { kind: 'agent', label, intervalSeconds });
  assert.ok(created.agentToken, 'an agent host comes with its token');
  return created.agentToken;
}

/** Starts a report upload that sends its headers and a little of the body, then stalls. */
function stalledUpload(f: FleetApp, token: string): { req: http.ClientRequest; answered: Promise<number> } {
  const req = http.request({
    host: '127.0.0.1',
    port: f.port,
    method: 'POST',
    path: '/api/ingest/docker',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': '200000',
    },
  });
  const answered = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(-1));
  });
  req.write('{"version":1,');
  return { req, answered };
}

describe('push ingest admission with the default spacing', () => {
  let f: FleetApp;
  before(async () => {
    f = await startFleetApp({}, { ingestSpacing: 0.5 });
  });
  after(() => f?.close());

  it('refuses a second report within half the interval with 429 and Retry-After; other hosts go on', async () => {
    const a = await agentHost(f, 'gate-a', 30);
    const b = await agentHost(f, 'gate-b', 30);
    assert.equal((await ingest(f, a, report('a1'))).statusCode, 202);
    const refused = await ingest(f, a, report('a2'));
    const body = assertError(refused, 429, 'rate_limited');
    const retry = Number(refused.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 15, `Retry-After ${refused.headers['retry-after']}`);
    assert.match(body.message, /interval is 30 s/);
    assert.deepEqual(body.details, { retryAfterSeconds: retry });
    // A loop from one token is answered cheaply, and another host is untouched by it.
    for (let i = 0; i < 20; i++) assert.equal((await ingest(f, a, report('loop'))).statusCode, 429);
    assert.equal((await ingest(f, b, report('b1'))).statusCode, 202);
  });

  it('an anonymous caller cannot use up a host’s slot (the token is checked first)', async () => {
    const c = await agentHost(f, 'gate-c', 30);
    for (let i = 0; i < 5; i++)
      assertError(await ingest(f, 'alh_nope_xxxxxxxxxxxxxxxxxxxxxxxx', report('x')), 401);
    assert.equal((await ingest(f, c, report('c1'))).statusCode, 202);
  });
});

describe('push ingest admission: one report in flight per host', () => {
  let f: FleetApp;
  before(async () => {
    f = await startFleetApp(); // spacing 0: only the in-flight rule applies
  });
  after(() => f?.close());

  it('refuses a report while the same host is still uploading one, and frees the slot when it drops', async () => {
    const a = await agentHost(f, 'inflight-a');
    const b = await agentHost(f, 'inflight-b');
    const slow = stalledUpload(f, a);
    await waitFor(
      'the stalled upload to hold the slot',
      async () => (await ingest(f, a, report('a2'))).statusCode === 429,
      { timeoutMs: 5000, intervalMs: 50 },
    );
    const refused = await ingest(f, a, report('a3'));
    assert.match(assertError(refused, 429, 'rate_limited').message, /still being received/);
    assert.equal(refused.headers['retry-after'], '1');
    // Another host is not held up by it.
    assert.equal((await ingest(f, b, report('b1'))).statusCode, 202);
    slow.req.destroy();
    await slow.answered;
    await waitFor('the slot to be freed', async () => (await ingest(f, a, report('a4'))).statusCode === 202, {
      timeoutMs: 5000,
      intervalMs: 50,
    });
  });
});
