import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Through the package's own export map, as other workspaces will import it.
import { SecretMatcher, StreamRedactor, StreamScanner, encodedForms, redactText } from '@airlock/dlp/index';
import { prng, randSecret } from './test-helpers';

void describe('@airlock/dlp', () => {
  void it('blocks a request carrying a secret and redacts its echo in the response', () => {
    const secrets = [{ name: 'openai', value: 'sk-proj-Xy7fQ2mN8pL4vR9t' }];
    const matcher = new SecretMatcher(secrets);
    const body = Buffer.from(JSON.stringify({ prompt: Buffer.from(secrets[0]!.value).toString('base64') }));
    const scan = new StreamScanner(matcher);
    const hits = [scan.push(body.subarray(0, 20)), scan.push(body.subarray(20)), scan.end()];
    assert.equal(hits.find((s) => s.hit)?.hit?.form.startsWith('base64'), true);

    const echo = new StreamRedactor(matcher);
    const out = Buffer.concat([
      echo.push(Buffer.from('you said sk-proj-Xy7f')),
      echo.push(Buffer.from('Q2mN8pL4vR9t')),
      echo.end(),
    ]);
    assert.equal(out.toString(), 'you said [REDACTED:openai]');
    assert.equal(redactText(`x=${encodeURIComponent(secrets[0]!.value)}`, secrets), 'x=[REDACTED:openai]');
    assert.ok(encodedForms(secrets[0]!.value).length > 5);
  });

  void it('streams 10 MB through the scanner and the redactor with 64 secrets (MB/s printed)', () => {
    const rand = prng(11);
    const secrets = Array.from({ length: 64 }, (_, i) => ({
      name: `s${i}`,
      value: randSecret(rand, 24, 48),
    }));
    const matcher = new SecretMatcher(secrets);
    const data = Buffer.from(randSecret(rand, 10 << 20, 10 << 20));
    const mb = data.length / 2 ** 20;
    const time = (f: () => void) => {
      const t0 = process.hrtime.bigint();
      f();
      return mb / (Number(process.hrtime.bigint() - t0) / 1e9);
    };
    let released = 0;
    const scanRate = time(() => {
      const s = new StreamScanner(matcher);
      for (let i = 0; i < data.length; i += 65536)
        released += s.push(data.subarray(i, i + 65536)).release.length;
      released += s.end().release.length;
    });
    let redacted = 0;
    const redactRate = time(() => {
      const r = new StreamRedactor(matcher);
      for (let i = 0; i < data.length; i += 65536) redacted += r.push(data.subarray(i, i + 65536)).length;
      redacted += r.end().length;
    });
    assert.equal(released, data.length);
    assert.equal(redacted, data.length);
    console.log(
      `dlp stream: scan ${scanRate.toFixed(0)} MB/s, redact ${redactRate.toFixed(0)} MB/s (${mb.toFixed(1)} MB, 64 secrets)`,
    );
  });
});
