import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RELAY_ARGV, RELAY_PORT, SOCKET_MOUNT } from './sandbox-files';

void describe('the sandbox relay', () => {
  void it('listens on loopback only, with Nagle off, and forwards to the session socket alone', () => {
    const [cmd, listen, connect, ...rest] = RELAY_ARGV;
    assert.equal(cmd, 'socat');
    assert.deepEqual(rest, []);
    const opts = listen?.split(',') ?? [];
    assert.equal(opts[0], `TCP-LISTEN:${RELAY_PORT}`);
    assert.ok(opts.includes('bind=127.0.0.1'), 'never on another interface');
    // bench/README.md "Gateway": without nodelay every request waited on Nagle (+5.6 ms p50).
    assert.ok(opts.includes('nodelay'), 'TCP_NODELAY on the relay');
    assert.equal(connect, `UNIX-CONNECT:${SOCKET_MOUNT}/gw.sock`);
  });
});
