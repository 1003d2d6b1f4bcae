import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { SocketClose } from '@airlock/contract/socket-close';
import type { AuthContext } from '../../lib/route';
import { InternalError } from '../../lib/errors';
import { LiveSockets } from './live-sockets';

/** Enough of a ws socket to be tracked and closed. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  closedWith: number | null = null;
  close(code: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  pause() {}
  terminate() {}
}

const auth: AuthContext = {
  kind: 'token',
  user: { id: 'u1', username: 'u', role: 'operator', mustChangePassword: false },
  tokenId: 't1',
  unlockedUntil: null,
};

const sweepWith = async (failure: Error) => {
  const live = new LiveSockets(
    { recheck: () => Promise.reject(failure) },
    { afterUnlockMs: 0, intervalMs: 60_000 },
  );
  const socket = new FakeSocket();
  live.track(socket as unknown as WebSocket, auth, 'viewer');
  await live.sweep();
  live.stop();
  return socket.closedWith;
};

describe('LiveSockets when re-reading a credential fails', () => {
  it('closes the socket when the stored credential is broken (a role that is not a role)', async () => {
    assert.equal(await sweepWith(new InternalError('user u1 has role "superadmin"')), SocketClose.signedOut);
  });

  it('keeps it open on a passing failure (the store busy), to retry at the next sweep', async () => {
    assert.equal(await sweepWith(new Error('SQLITE_BUSY')), null);
  });
});
