import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerState, Health } from '@airlock/contract/fleet';
import { classify, type ClassifyInput } from './classify';

const base: ClassifyInput = {
  state: 'running',
  health: 'none',
  exitCode: 0,
  oomKilled: false,
  restartCount: 0,
  restarting: false,
};
const c = (over: Partial<ClassifyInput>) => classify({ ...base, ...over });

describe('classify', () => {
  const rows: Array<[string, Partial<ClassifyInput>, 'green' | 'amber' | 'red', string]> = [
    ['running, no healthcheck', {}, 'green', 'running'],
    ['running, healthy', { health: 'healthy' }, 'green', 'healthy'],
    ['running, health starting', { health: 'starting' }, 'amber', 'health check starting'],
    ['running, unhealthy', { health: 'unhealthy' }, 'red', 'unhealthy'],
    ['paused', { state: 'paused' }, 'amber', 'paused'],
    ['paused and healthy', { state: 'paused', health: 'healthy' }, 'amber', 'paused'],
    [
      'paused and unhealthy (probe cannot run while paused)',
      { state: 'paused', health: 'unhealthy' },
      'amber',
      'paused',
    ],
    ['created', { state: 'created', exitCode: null }, 'amber', 'created (never started)'],
    ['removing', { state: 'removing' }, 'amber', 'being removed'],
    ['exited 0', { state: 'exited', exitCode: 0 }, 'amber', 'stopped (exit 0)'],
    [
      'exited 0 with stale unhealthy',
      { state: 'exited', exitCode: 0, health: 'unhealthy' },
      'amber',
      'stopped (exit 0)',
    ],
    ['exited 1', { state: 'exited', exitCode: 1 }, 'red', 'exited with code 1'],
    // Issue 8: what Stop / `docker stop` leaves (SIGTERM 143, SIGKILL after the grace period 137).
    [
      'exited 137 (stopped, killed after the grace period)',
      { state: 'exited', exitCode: 137 },
      'amber',
      'stopped (exit 137)',
    ],
    ['exited 143 (stopped by SIGTERM)', { state: 'exited', exitCode: 143 }, 'amber', 'stopped (exit 143)'],
    [
      'exited 143 with stale unhealthy',
      { state: 'exited', exitCode: 143, health: 'unhealthy' },
      'amber',
      'stopped (exit 143)',
    ],
    [
      'exited 130 (SIGINT is not a stop Airlock or docker stop sends)',
      { state: 'exited', exitCode: 130 },
      'red',
      'exited with code 130',
    ],
    ['exited 139 (segfault)', { state: 'exited', exitCode: 139 }, 'red', 'exited with code 139'],
    ['exited 2', { state: 'exited', exitCode: 2 }, 'red', 'exited with code 2'],
    ['exited 143 but OOM-killed', { state: 'exited', exitCode: 143, oomKilled: true }, 'red', 'OOM-killed'],
    ['exited, unknown code', { state: 'exited', exitCode: null }, 'red', 'exited (exit code unknown)'],
    ['exited, OOM-killed', { state: 'exited', exitCode: 137, oomKilled: true }, 'red', 'OOM-killed'],
    ['running but OOM flag set', { oomKilled: true }, 'red', 'OOM-killed'],
    ['dead', { state: 'dead', exitCode: null }, 'red', 'dead'],
    [
      'restarting state',
      { state: 'restarting', restartCount: 5, exitCode: 0 },
      'red',
      'restart loop (5 restarts)',
    ],
    [
      'restarting, one restart',
      { state: 'restarting', restartCount: 1, exitCode: 0 },
      'red',
      'restart loop (1 restart)',
    ],
    [
      'restarting flag only',
      { restarting: true, restartCount: 3, exitCode: 1 },
      'red',
      'restart loop (3 restarts); last exit code 1',
    ],
    [
      'restarting after OOM',
      { state: 'restarting', restartCount: 2, exitCode: 137, oomKilled: true },
      'red',
      'restart loop (2 restarts); OOM-killed',
    ],
    [
      'restarting after being stopped with 137 is still a loop',
      { state: 'restarting', restartCount: 2, exitCode: 137 },
      'red',
      'restart loop (2 restarts); last exit code 137',
    ],
    ['running with past restarts is not a loop', { restartCount: 4 }, 'green', 'running'],
  ];
  for (const [name, over, status, reason] of rows) {
    it(name, () => assert.deepEqual(c(over), { status, reason }));
  }

  it('classifies every state × health combination to a valid class with a reason', () => {
    for (const state of ContainerState.options) {
      for (const health of Health.options) {
        for (const exitCode of [null, 0, 2]) {
          const r = c({ state, health, exitCode });
          assert.ok(['green', 'amber', 'red'].includes(r.status), `${state}/${health}`);
          assert.ok(r.reason.length > 0 && r.reason.length <= 60, `${state}/${health}: ${r.reason}`);
          if (r.status === 'green') assert.equal(state, 'running');
          if (state === 'dead' || state === 'restarting') assert.equal(r.status, 'red', `${state}/${health}`);
          if (state === 'paused') assert.equal(r.status, 'amber', `${state}/${health}`);
          if (health === 'unhealthy' && state === 'running') {
            assert.equal(r.status, 'red', `${state}/${health}`);
          }
        }
      }
    }
  });
});
