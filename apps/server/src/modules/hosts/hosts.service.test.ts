import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { installCommand, installWarning } from './hosts.service';

describe('agent install command', () => {
  it('carries the token, the script URL and the interval, quoted for the shell', () => {
    const cmd = installCommand('https://deck.example.com/', "alh_abc_x'y", 15);
    // A URL is a plain word to the shell, so the one quoting helper leaves it readable.
    assert.match(cmd, /curl -fsSL https:\/\/deck\.example\.com\/agent\/airlock-agent\.sh /);
    // A URL carrying shell syntax is quoted.
    assert.match(
      installCommand('https://deck.example.com/$(id)', 't', 15),
      /curl -fsSL 'https:\/\/deck\.example\.com\/\$\(id\)\/agent\/airlock-agent\.sh' /,
    );
    assert.match(cmd, /'alh_abc_x'\\''y'/);
    assert.match(cmd, /AIRLOCK_INTERVAL=15/);
    assert.doesNotMatch(cmd, /AIRLOCK_ALLOW_HTTP/);
  });
  it('allows plain http only where the agent needs the override', () => {
    assert.doesNotMatch(installCommand('http://127.0.0.1:7070', 't', 30), /ALLOW_HTTP/);
    assert.match(installCommand('http://deck.lan:7070', 't', 30), /AIRLOCK_ALLOW_HTTP=1 /);
  });
});

describe('install command warning', () => {
  it('warns when the command names a loopback address, and says what to set', () => {
    for (const url of [
      'http://127.0.0.1:7070',
      'http://127.1.2.3',
      'http://localhost:7070/',
      'http://deck.localhost',
      'http://[::1]:7070',
      'http://0.0.0.0:7070',
    ]) {
      const w = installWarning(url);
      assert.ok(w, url);
      assert.match(w, /publicUrl/);
      assert.ok(w.includes(url.replace(/\/+$/, '')), `names ${url}`);
    }
  });
  it('is quiet for an address other machines can reach', () => {
    for (const url of ['https://deck.example.com', 'http://10.0.0.5:7070', 'http://127.0.0.1.example.com'])
      assert.equal(installWarning(url), null, url);
  });
});
