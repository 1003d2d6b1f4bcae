// The real Claude Code CLI in a sealed sandbox, on both runtimes, reaching a local fake of the
// Anthropic Messages API (test/support/fake-anthropic.ts) that the override map puts behind
// api.anthropic.com. The sandbox holds only the placeholder ANTHROPIC_API_KEY=airlock-managed; the
// gateway swaps in the real key on the way out. The fake refuses any other key with a 401, so the
// CLI's answer proves the injection, and the test then looks for the key everywhere inside.
//
// The docker runtime runs the agent image (airlock/agent:bookworm, Claude Code at
// /usr/local/bin/claude); bubblewrap binds the host's system dirs, so the test puts the same binary
// (fetched by scripts/build-images.sh into images/agent/.cache/) into the session's work dir.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Session } from '@airlock/contract/sessions';
import { fakeAnthropic } from '../support/fake-anthropic';
import { startSealedDeck, type SealedDeck } from '../support/sealed';

const KEY = 'sk-ant-api03-FAKE-0123456789abcdefghijklmnopqrstuvwxyz-KEEPOUT';
const CLAUDE_BIN = path.resolve(import.meta.dirname, '../../images/agent/.cache/claude');
const AGENT_IMAGE = 'airlock/agent:bookworm';

for (const runtime of ['docker', 'bubblewrap'] as const) {
  describe(`Claude Code in a sealed sandbox (${runtime})`, () => {
    let deck: SealedDeck;
    let session: Session;
    const anthropic = fakeAnthropic({
      apiKey: KEY,
      reply: (prompt) => (/say pong/.test(prompt) ? 'PONG from the fake Messages API' : 'I only say pong'),
    });

    before(async () => {
      assert.ok(
        existsSync(CLAUDE_BIN),
        `${CLAUDE_BIN} is missing: run scripts/build-images.sh (it fetches Claude Code and builds ${AGENT_IMAGE})`,
      );
      deck = await startSealedDeck({ hosts: ['api.anthropic.com'], handler: anthropic.handler });
      await deck.api('POST', '/api/credentials', {
        name: 'anthropic',
        value: KEY,
        inject: { type: 'header', header: 'x-api-key' },
        hosts: ['api.anthropic.com'],
        env: 'ANTHROPIC_API_KEY',
      });
      await deck.api('POST', '/api/profiles', {
        name: 'claude',
        runtime,
        ...(runtime === 'docker' ? { image: AGENT_IMAGE } : {}),
        routes: [{ host: 'api.anthropic.com', credential: 'anthropic' }],
      });
      session = await deck.api<Session>('POST', '/api/sessions', { profile: 'claude' }, 201);
      if (runtime === 'bubblewrap')
        copyFileSync(CLAUDE_BIN, path.join(deck.home, 'work', session.id, 'claude'));
    });
    after(async () => {
      await deck?.close();
    });

    it('answers through the gateway with the key injected, and the key is nowhere in the sandbox', async () => {
      const claude = runtime === 'docker' ? 'claude' : '/work/claude';
      // One exec, so the process list and environments are read while the CLI runs, and its own
      // state files (under $HOME, which bubblewrap keeps only for one exec) before they go.
      // Section markers are printed by a function, so the script's own text (which ps shows) never
      // contains one.
      const script = [
        'm() { printf \'\\n@@%s@@\\n\' "$1"; }',
        `${claude} -p 'say pong' --output-format json > /tmp/claude.json 2> /tmp/claude.err & pid=$!`,
        'sleep 1',
        'm ps; ps -eo args',
        'm environ; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"',
        'wait $pid; m "exit $?"',
        'm out; cat /tmp/claude.json; m err; cat /tmp/claude.err',
        // The needle is joined at run time: written whole, the script itself (in ps) would hold it.
        `a='${KEY.slice(0, 10)}'; b='${KEY.slice(10, 20)}'`,
        'm files; grep -rl -- "$a$b" "$HOME" /tmp /work /etc 2>/dev/null; true',
      ].join('\n');
      const r = await deck.api<{ exitCode: number | null; stdout: string; stderr: string }>(
        'POST',
        `/api/sessions/${session.id}/exec`,
        { argv: ['sh', '-c', script], timeoutMs: 120_000 },
      );
      const part = (name: string) => r.stdout.split(`\n@@${name}@@\n`)[1]?.split('\n@@')[0] ?? '';
      assert.match(r.stdout, /@@exit 0@@/, `claude failed:\n${r.stdout}\n${r.stderr}`);
      const result = JSON.parse(part('out')) as { result?: string; is_error?: boolean };
      assert.equal(result.is_error, false);
      assert.equal(result.result, 'PONG from the fake Messages API');

      // The fake got the real key on every call, and only the real key.
      assert.ok(anthropic.calls.length >= 1, 'the fake Messages API was called');
      assert.ok(
        anthropic.calls.every((c) => c.accepted),
        JSON.stringify(anthropic.calls),
      );
      // What the CLI itself holds is the placeholder.
      assert.match(part('environ'), /^ANTHROPIC_API_KEY=airlock-managed$/m);
      assert.match(part('ps'), /say pong/, 'the process list was read while claude ran');
      for (const where of ['ps', 'environ', 'out', 'err', 'files'])
        assert.ok(!part(where).includes(KEY.slice(0, 20)), `the key is not in the sandbox's ${where}`);
      assert.equal(part('files').trim(), '', 'no file in the sandbox holds the key');
      assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY));
    });
  });
}
