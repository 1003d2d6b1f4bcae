import type { ContainerState, Health, StatusClass } from '@airlock/contract/fleet';

export interface ClassifyInput {
  state: ContainerState;
  health: Health;
  /** Last exit code; null when unknown (never exited, or a report without it). */
  exitCode: number | null;
  oomKilled: boolean;
  restartCount: number;
  /** Docker's `State.Restarting` flag (true while a restart policy is bringing it back). */
  restarting: boolean;
}

export interface Classification {
  status: StatusClass;
  /** Short human text saying why; shown beside the colour. */
  reason: string;
}

/** Exit codes a deliberate stop leaves: clean exit, SIGKILL (128 + 9), SIGTERM (128 + 15). */
const STOP_CODES = new Set([0, 137, 143]);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The fleet's health class (issue 3). Pure; the first matching row wins:
 *
 * | row | condition                                  | class | reason                          |
 * |-----|--------------------------------------------|-------|---------------------------------|
 * | 1   | state restarting or `restarting` flag      | red   | restart loop (N restarts)[; OOM-killed / ; last exit code N] |
 * | 2   | OOM-killed (Docker clears it on start)     | red   | OOM-killed                      |
 * | 3   | dead                                       | red   | dead                            |
 * | 4   | exited, code 0, 137 or 143                 | amber | stopped (exit N)                |
 * | 5   | exited, any other code                     | red   | exited with code N              |
 * | 6   | exited, code unknown                       | red   | exited (exit code unknown)      |
 * | 7   | paused (whatever the health)               | amber | paused                          |
 * | 8   | running, health unhealthy                  | red   | unhealthy                       |
 * | 9   | created                                    | amber | created (never started)         |
 * | 10  | removing                                   | amber | being removed                   |
 * | 11  | running, health starting                   | amber | health check starting           |
 * | 12  | running, healthy                           | green | healthy                         |
 * | 13  | running, no healthcheck                    | green | running                         |
 *
 * Decisions not spelled out by the issue:
 * - Exited with code 0 is amber, not red: a clean stop (an operator's `docker stop` of a process
 *   that handles SIGTERM, a finished one-shot job) is not a failure, but a stopped service still
 *   deserves a glance, so it is not green either.
 * - So are 143 (128 + SIGTERM) and 137 (128 + SIGKILL) when the engine did not OOM-kill it (issue
 *   8): that is what Airlock's Stop and `docker stop` leave behind (SIGTERM, then SIGKILL after the
 *   grace period for a process that ignores it, such as `sleep` as PID 1). Red is for failures; an
 *   OOM kill (also 137) is caught by row 2 first.
 * - An exited container with no exit code is red: we cannot prove it stopped cleanly (fail closed).
 * - Paused is amber whatever the health says: Docker keeps probing a paused container, the probe
 *   cannot run, and the engine marks it unhealthy within a few intervals (seen against a real
 *   dockerd). That is an artifact of the pause, not a failure; the operator paused it on purpose.
 *   For exited containers the exit code decides; the stale last health status is ignored.
 * - A restart count alone (state running) does not make a container red: without a time window we
 *   cannot tell a loop from months of occasional restarts. The loop is detected by the restarting
 *   state, which Docker holds during its back-off between attempts.
 */
export function classify(input: ClassifyInput): Classification {
  const { state, health, exitCode, oomKilled, restartCount } = input;

  if (state === 'restarting' || input.restarting) {
    let reason = `restart loop (${plural(restartCount, 'restart')})`;
    if (oomKilled) reason += '; OOM-killed';
    else if (exitCode !== null && exitCode !== 0) reason += `; last exit code ${exitCode}`;
    return { status: 'red', reason };
  }
  if (oomKilled) return { status: 'red', reason: 'OOM-killed' };

  switch (state) {
    case 'dead':
      return { status: 'red', reason: 'dead' };
    case 'exited':
      if (exitCode === null) return { status: 'red', reason: 'exited (exit code unknown)' };
      if (STOP_CODES.has(exitCode)) return { status: 'amber', reason: `stopped (exit ${exitCode})` };
      return { status: 'red', reason: `exited with code ${exitCode}` };
    case 'paused':
      return { status: 'amber', reason: 'paused' };
    case 'created':
      return { status: 'amber', reason: 'created (never started)' };
    case 'removing':
      return { status: 'amber', reason: 'being removed' };
    case 'running':
      return classifyRunning(health);
  }
}

function classifyRunning(health: Health): Classification {
  switch (health) {
    case 'unhealthy':
      return { status: 'red', reason: 'unhealthy' };
    case 'starting':
      return { status: 'amber', reason: 'health check starting' };
    case 'healthy':
      return { status: 'green', reason: 'healthy' };
    case 'none':
      return { status: 'green', reason: 'running' };
  }
}
