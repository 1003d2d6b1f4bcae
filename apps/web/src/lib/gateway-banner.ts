import type { GatewayHealth } from '@airlock/contract/system';

/**
 * When the "egress gateway down" banner shows. Health arrives as a series of answers (the first
 * `GET /api/health`, then `gateway.health` stream events), so the decision is made over the series: a crash (`down`) shows it at once; `starting` shows it only after a
 * grace period (a deck that just booted reports `starting` for a moment, and a banner that blinks
 * on every page load teaches people to ignore it). Once shown it stays through the restart cycle's
 * `down` → `starting` → `down` until the gateway is `up` again, so it does not flicker either.
 */
export interface BannerState {
  shown: boolean;
  /** Browser time when the current outage was first seen; null while the gateway is up. */
  notUpSince: number | null;
}

export const BANNER_HIDDEN: BannerState = { shown: false, notUpSince: null };

/** How long `starting` may last before it is reported as an outage. */
export const STARTING_GRACE_MS = 3_000;

export function nextBanner(prev: BannerState, gateway: GatewayHealth | undefined, now: number): BannerState {
  // No answer (the server itself is unreachable: the stream indicator says that) changes nothing.
  if (!gateway) return prev;
  switch (gateway.state) {
    // Disabled by configuration is not an outage: nothing is restarting, and the sessions pages say
    // that sealed sessions cannot start.
    case 'up':
    case 'disabled':
      return prev.shown || prev.notUpSince !== null ? BANNER_HIDDEN : prev;
    case 'down':
      return prev.shown ? prev : { shown: true, notUpSince: prev.notUpSince ?? now };
    case 'starting': {
      const since = prev.notUpSince ?? now;
      const shown = prev.shown || now - since >= STARTING_GRACE_MS;
      return shown === prev.shown && since === prev.notUpSince ? prev : { shown, notUpSince: since };
    }
  }
}

/**
 * How long until a `starting` that is not yet shown outlasts its grace (then the decision must be
 * made again, with no new answer: health changes arrive as stream events, not by polling); null
 * when nothing is pending.
 */
export function graceLeftMs(
  state: BannerState,
  gateway: GatewayHealth | undefined,
  now: number,
): number | null {
  if (state.shown || state.notUpSince === null || gateway?.state !== 'starting') return null;
  return Math.max(0, state.notUpSince + STARTING_GRACE_MS - now);
}
