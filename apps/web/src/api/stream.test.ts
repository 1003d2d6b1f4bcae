/// <reference types="node" />
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StreamConnection, backoffDelay } from './stream';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  sent: string[] = [];
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
  receive(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
}

const realWebSocket = globalThis.WebSocket;
beforeEach(() => {
  FakeSocket.all = [];
  (globalThis as { WebSocket: unknown }).WebSocket = FakeSocket;
});
afterEach(() => {
  (globalThis as { WebSocket: unknown }).WebSocket = realWebSocket;
});

const event = {
  seq: 7,
  ts: '2025-01-01T00:00:00.000Z',
  actorType: 'user',
  actorId: 'u1',
  actorName: 'alice',
  action: 'user.create',
  target: 'user:bob',
  details: {},
  prevHash: 'a',
  hash: 'b',
};

void describe('backoffDelay', () => {
  void it('grows from about 1 s to at most 30 s, with jitter in the upper half', () => {
    assert.equal(
      backoffDelay(0, () => 0),
      500,
    );
    assert.equal(
      backoffDelay(0, () => 1),
      1000,
    );
    assert.equal(
      backoffDelay(3, () => 1),
      8000,
    );
    assert.equal(
      backoffDelay(20, () => 1),
      30_000,
    );
    assert.equal(
      backoffDelay(20, () => 0),
      15_000,
    );
  });
});

void describe('StreamConnection', () => {
  void it('dispatches valid messages by type and drops unknown or malformed ones', () => {
    const conn = new StreamConnection('ws://x/api/stream');
    const got: number[] = [];
    conn.subscribe('audit.appended', (m) => got.push(m.event.seq));
    conn.start();
    const ws = FakeSocket.all[0]!;
    ws.onopen?.();
    assert.equal(conn.status, 'open');
    ws.receive({ type: 'audit.appended', event });
    ws.receive({ type: 'container.changed', id: 'c1' });
    ws.receive({ type: 'audit.appended', event: { seq: 'nope' } });
    ws.receive('not json');
    assert.deepEqual(got, [7]);
    ws.receive({ type: 'ping', serverTime: 't' });
    assert.deepEqual(ws.sent, ['{"type":"pong"}']);
    conn.stop();
    assert.equal(ws.closed, true);
    assert.equal(conn.status, 'closed');
  });

  void it('reconnects after a drop and says so', async () => {
    const conn = new StreamConnection('ws://x/api/stream');
    const opens: boolean[] = [];
    conn.onOpen((re) => opens.push(re));
    conn.start();
    FakeSocket.all[0]!.onopen?.();
    FakeSocket.all[0]!.onclose?.();
    assert.equal(conn.status, 'reconnecting');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(FakeSocket.all.length, 2);
    FakeSocket.all[1]!.onopen?.();
    assert.equal(conn.status, 'open');
    assert.deepEqual(opens, [false, true]);
    conn.stop();
  });
});
