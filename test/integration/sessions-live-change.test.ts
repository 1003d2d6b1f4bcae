// A profile changed while a 200 MB download is in flight through the gateway, on both runtimes: the
// change applies to the next request at once, and the connection already open is not dropped (the
// download completes, every byte). The upstream pauses the download after its first 16 MiB until
// the change has been acknowledged, so the change lands mid-transfer whatever the machine's speed.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Session } from '@airlock/contract/sessions';
import { startSealedDeck, type SealedDeck } from '../support/sealed';

const TOTAL = 200 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 0x61);
const PAUSE_AT = 16 * 1024 * 1024;

/** /big streams TOTAL bytes with backpressure, pausing at PAUSE_AT until `resume()`; the rest echoes. */
function pausedDownload() {
  let sent = 0;
  let resume!: () => void;
  const resumed = new Promise<void>((r) => (resume = r));
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!req.url?.startsWith('/big')) return void res.end('ok\n');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) });
    const pump = async () => {
      while (sent < TOTAL) {
        if (sent === PAUSE_AT) await resumed;
        sent += CHUNK.length;
        if (!res.write(CHUNK)) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    };
    void pump();
  };
  return { handler, resume, sent: () => sent };
}

for (const runtime of ['docker', 'bubblewrap'] as const) {
  describe(`a profile change during a 200 MB download (${runtime})`, () => {
    let deck: SealedDeck;
    let session: Session;
    const upstream = pausedDownload();

    before(async () => {
      deck = await startSealedDeck({ handler: upstream.handler });
      await deck.api('POST', '/api/profiles', {
        name: 'dl',
        runtime,
        routes: [{ host: 'api.test' }, { host: 'other.test' }],
      });
      session = await deck.api<Session>('POST', '/api/sessions', { profile: 'dl' }, 201);
    });
    after(async () => {
      upstream.resume();
      await deck?.close();
    });

    it('completes the download in flight, and the next requests follow the new rules', async () => {
      const script = [
        "curl -sS -o /dev/null -w 'download %{http_code} %{size_download}\\n' https://api.test/big",
        "curl -sS -o /dev/null -w 'again %{http_code}\\n' https://api.test/big",
        "curl -sS -o /dev/null -w 'other %{http_connect}\\n' https://other.test/x",
        "curl -sS -o /dev/null -w 'allowed %{http_code}\\n' https://api.test/ok/ping",
      ].join('; ');
      const run = deck.api<{ exitCode: number | null; stdout: string; stderr: string }>(
        'POST',
        `/api/sessions/${session.id}/exec`,
        { argv: ['sh', '-c', script], timeoutMs: 120_000 },
      );
      for (let i = 0; upstream.sent() < PAUSE_AT; i++) {
        assert.ok(i < 600, 'the download did not start');
        await sleep(50);
      }
      // Only /ok/ on api.test from now on, and other.test no longer: PATCH answers once the gateway
      // has acknowledged the new policy.
      await deck.api('PATCH', '/api/profiles/dl', { routes: [{ host: 'api.test', paths: ['/ok/'] }] });
      upstream.resume();
      const r = await run;
      assert.match(r.stdout, new RegExp(`^download 200 ${TOTAL}$`, 'm'), `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^again 403$/m, 'the same host and path, asked again, is refused');
      assert.match(r.stdout, /^other 403$/m, 'a host the change removed is refused');
      assert.match(r.stdout, /^allowed 200$/m, 'what the new rules allow still works');
      const s = await deck.api<Session>('GET', `/api/sessions/${session.id}`);
      const rules = s.recentBlocks.map((b) => `${b.host} ${b.rule}`);
      assert.ok(rules.includes('other.test no-route'), rules.join(', '));
      assert.ok(
        rules.some((x) => x.startsWith('api.test ')),
        rules.join(', '),
      );
    });
  });
}
