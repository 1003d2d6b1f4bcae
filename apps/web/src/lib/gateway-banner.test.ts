import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayHealth } from '@airlock/contract/system';
import {
  BANNER_HIDDEN,
  STARTING_GRACE_MS,
  graceLeftMs,
  nextBanner,
  type BannerState,
} from './gateway-banner';

const gw = (state: GatewayHealth['state']): GatewayHealth => ({
  state,
  since: '2026-01-01T00:00:00.000Z',
  reason: state === 'down' ? 'exited (SIGKILL)' : null,
  upstreamOverrides: [],
});

/** Feeds answers at the given browser times and returns whether the banner showed after each. */
function run(steps: Array<[number, GatewayHealth['state'] | null]>): boolean[] {
  let s: BannerState = BANNER_HIDDEN;
  return steps.map(([t, state]) => {
    s = nextBanner(s, state ? gw(state) : undefined, t);
    return s.shown;
  });
}

void describe('gateway banner', () => {
  void it('shows at once when the gateway is down, and goes away when it is up', () => {
    assert.deepEqual(
      run([
        [0, 'up'],
        [1000, 'down'],
        [2000, 'up'],
      ]),
      [false, true, false],
    );
  });

  void it('does not blink for a short start (a deck that just booted)', () => {
    assert.deepEqual(
      run([
        [0, 'starting'],
        [1000, 'starting'],
        [1500, 'up'],
      ]),
      [false, false, false],
    );
  });

  void it('reports a start that takes longer than the grace period', () => {
    assert.deepEqual(
      run([
        [0, 'starting'],
        [STARTING_GRACE_MS - 1, 'starting'],
        [STARTING_GRACE_MS, 'starting'],
      ]),
      [false, false, true],
    );
  });

  void it('stays up through the restart cycle (down, starting, down) without flickering', () => {
    assert.deepEqual(
      run([
        [0, 'down'],
        [300, 'starting'],
        [600, 'down'],
        [1200, 'starting'],
        [1300, null],
        [5000, 'starting'],
        [6000, 'up'],
      ]),
      [true, true, true, true, true, true, false],
    );
  });

  void it('keeps its state when health cannot be read (the server is unreachable)', () => {
    assert.deepEqual(
      run([
        [0, 'down'],
        [1000, null],
      ]),
      [true, true],
    );
    assert.deepEqual(run([[0, null]]), [false]);
  });

  void it('treats a gateway disabled by configuration as no outage', () => {
    assert.deepEqual(
      run([
        [0, 'down'],
        [1000, 'disabled'],
      ]),
      [true, false],
    );
  });

  void it('counts the grace period from the first answer of the outage, not the latest', () => {
    const s1 = nextBanner(BANNER_HIDDEN, gw('starting'), 100);
    const s2 = nextBanner(s1, gw('starting'), 200);
    assert.equal(s2.notUpSince, 100);
    // An unchanged decision hands back the same object, so React does not re-render for it.
    assert.equal(nextBanner(BANNER_HIDDEN, gw('up'), 5), BANNER_HIDDEN);
  });

  void it('says when a `starting` that has no new answer must be decided again', () => {
    const pending = nextBanner(BANNER_HIDDEN, gw('starting'), 1000);
    assert.equal(graceLeftMs(pending, gw('starting'), 1000), STARTING_GRACE_MS);
    assert.equal(graceLeftMs(pending, gw('starting'), 1000 + STARTING_GRACE_MS + 5), 0);
    // Re-deciding when the timer fires shows it, with no answer in between.
    assert.equal(nextBanner(pending, gw('starting'), 1000 + STARTING_GRACE_MS).shown, true);
    // Nothing pending: shown already, up, down (shown at once), or no answer yet.
    assert.equal(graceLeftMs(nextBanner(BANNER_HIDDEN, gw('down'), 1), gw('down'), 1), null);
    assert.equal(graceLeftMs(BANNER_HIDDEN, gw('up'), 1), null);
    assert.equal(graceLeftMs(pending, undefined, 1), null);
  });
});
