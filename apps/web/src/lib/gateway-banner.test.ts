import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayHealth } from '@airlock/contract/system';
import {
  BANNER_HIDDEN,
  STARTING_GRACE_MS,
  healthPollMs,
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

  void it('polls fast while the gateway is out, slowly while it is up', () => {
    assert.equal(healthPollMs(gw('down')), 1000);
    assert.equal(healthPollMs(gw('starting')), 1000);
    assert.equal(healthPollMs(gw('up')), 3000);
    assert.equal(healthPollMs(gw('disabled')), 3000);
    assert.equal(healthPollMs(undefined), 3000);
  });
});
