import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session, SessionBlock } from '@airlock/contract/sessions';
import { RECENT_BLOCKS, applySessionBlock, applySessionUpdate } from './sessions';

const session = (id: string, over: Partial<Session> = {}): Session => ({
  id,
  profileId: 'P1',
  profileName: 'agent',
  runtime: 'docker',
  state: 'running',
  stateReason: null,
  createdBy: 'admin',
  createdAt: '2026-01-01T00:00:00.000Z',
  blockedCount: 0,
  recentBlocks: [],
  ...over,
});

const block = (n: number): SessionBlock => ({
  at: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`,
  method: 'CONNECT',
  host: `h${n}.example`,
  port: 443,
  path: '',
  rule: 'no-route',
  reason: 'not on the list',
});

void describe('live session list', () => {
  void it('puts a new session first and replaces a known one in place', () => {
    const list = { items: [session('a'), session('b')] };
    assert.deepEqual(
      applySessionUpdate(list, session('c')).items.map((s) => s.id),
      ['c', 'a', 'b'],
    );
    const changed = applySessionUpdate(list, session('b', { state: 'lost', stateReason: 'gone' }));
    assert.deepEqual(
      changed.items.map((s) => [s.id, s.state]),
      [
        ['a', 'running'],
        ['b', 'lost'],
      ],
    );
  });

  void it('drops a removed session, and an unknown removal changes nothing', () => {
    const list = { items: [session('a'), session('b')] };
    assert.deepEqual(
      applySessionUpdate(list, session('a'), true).items.map((s) => s.id),
      ['b'],
    );
    assert.equal(applySessionUpdate(list, session('zz'), true), list);
  });

  void it('counts a block and keeps the newest first, as many as the server keeps', () => {
    let list = { items: [session('a', { blockedCount: 3 }), session('b')] };
    for (let i = 0; i < RECENT_BLOCKS + 5; i++) list = applySessionBlock(list, 'a', block(i));
    const a = list.items[0]!;
    assert.equal(a.blockedCount, 3 + RECENT_BLOCKS + 5);
    assert.equal(a.recentBlocks.length, RECENT_BLOCKS);
    assert.equal(a.recentBlocks[0]?.host, `h${RECENT_BLOCKS + 4}.example`);
    assert.equal(list.items[1]?.blockedCount, 0);
  });

  void it('ignores a block for a session it does not list', () => {
    const list = { items: [session('a')] };
    assert.equal(applySessionBlock(list, 'other', block(1)), list);
  });
});
