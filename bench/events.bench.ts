// Event latency: a Docker event on the local engine → the `containers.upsert` message for that
// container at a WebSocket client of /api/stream. Our own raw subscriber to the engine's events
// stream is both the clock start and the baseline: latency = Airlock message arrival − raw event
// arrival; the baseline is the engine's own delay, action call → raw event. Events come from
// pause/unpause of one container, one at a time.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import WebSocket from 'ws';
import { SESSION_COOKIE } from '@airlock/contract/auth';
import type { CreatedHost, Host } from '@airlock/contract/hosts';
import type { StreamMessage } from '@airlock/contract/stream';
import { startTestApp } from '../test/support/app';
import {
  BASE_IMAGE,
  DOCKER_SOCKET,
  ensureBaseImage,
  removeContainers,
  waitFor,
} from '../test/support/docker';
import { expectStatus, log, metric, percentile, type Metric } from './lib';

const EVENTS = 200;
const WARMUP = 10;
const TIMEOUT_MS = 5_000;

/** Arrival times of things matching a predicate, awaited one at a time. */
class Arrivals<T> {
  private waiter: { pred: (v: T) => boolean; resolve: (t: number) => void } | null = null;

  push(v: T): void {
    const t = performance.now();
    if (this.waiter?.pred(v)) {
      this.waiter.resolve(t);
      this.waiter = null;
    }
  }

  next(pred: (v: T) => boolean, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no ${what} within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      this.waiter = {
        pred,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      };
    });
  }
}

export async function eventsBench(): Promise<Metric[]> {
  await ensureBaseImage();
  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  const name = `airlock-bench-${randomBytes(4).toString('hex')}`;
  const t = await startTestApp();
  let ws: WebSocket | undefined;
  let raw: Readable | undefined;
  try {
    const container = await docker.createContainer({
      name,
      Image: BASE_IMAGE,
      Cmd: ['sleep', 'infinity'],
      Labels: { 'airlock.bench': 'events' },
      HostConfig: { NetworkMode: 'none' },
      StopTimeout: 1,
    });
    await container.start();
    const id = container.id;

    await t.app.fastify.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.fastify.server.address() as AddressInfo).port;
    const admin = await t.setup();
    await t.unlock(admin);
    const created = await t.request('POST', '/api/hosts', {
      as: admin,
      body: { kind: 'local', label: 'bench-local' },
    });
    expectStatus(created, 201, 'POST /api/hosts (local)');
    const hostId = created.json<CreatedHost>().host.id;
    await waitFor('the local host to connect', async () => {
      const res = await t.request('GET', `/api/hosts/${hostId}`, { as: admin });
      return res.json<Host>().status.state === 'connected';
    });

    const upserts = new Arrivals<string>();
    ws = new WebSocket(`ws://127.0.0.1:${port}/api/stream`, {
      headers: { cookie: `${SESSION_COOKIE}=${admin.cookie}` },
    });
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as StreamMessage;
      if (msg.type !== 'containers.upsert' || msg.hostId !== hostId) return;
      for (const c of msg.items) if (c.id === id) upserts.push(c.state);
    });
    await new Promise<void>((resolve, reject) => {
      ws!.once('open', () => resolve());
      ws!.once('error', reject);
    });

    const rawEvents = new Arrivals<string>();
    raw = (await docker.getEvents({
      filters: { type: ['container'], container: [id], event: ['pause', 'unpause'] },
    })) as unknown as Readable;
    let buf = '';
    raw.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) rawEvents.push((JSON.parse(line) as { Action: string }).Action);
      }
    });

    const engine: number[] = [];
    const airlock: number[] = [];
    const endToEnd: number[] = [];
    for (let i = 0; i < EVENTS + WARMUP; i++) {
      const action = i % 2 === 0 ? 'pause' : 'unpause';
      const state = action === 'pause' ? 'paused' : 'running';
      const rawAt = rawEvents.next((a) => a === action, `raw "${action}" event`);
      const msgAt = upserts.next((s) => s === state, `containers.upsert with state "${state}"`);
      const t0 = performance.now();
      await (action === 'pause' ? container.pause() : container.unpause());
      const [r, m] = await Promise.all([rawAt, msgAt]);
      if (i < WARMUP) continue;
      engine.push(r - t0);
      airlock.push(m - r);
      endToEnd.push(m - t0);
    }
    log(`events: ${EVENTS} pause/unpause events measured`);

    const p = (xs: number[], q: number) => percentile(xs, q);
    return [
      metric({
        bench: 'events',
        name: 'docker event → WS containers.upsert p50',
        unit: 'ms',
        value: p(airlock, 50),
        baseline: { name: 'action call → raw docker event p50', value: p(engine, 50) },
      }),
      metric({
        bench: 'events',
        name: `docker event → WS containers.upsert p99 (${EVENTS} events)`,
        unit: 'ms',
        value: p(airlock, 99),
        target: { op: '<=', value: 250 },
        baseline: { name: 'action call → raw docker event p99', value: p(engine, 99) },
        detail: {
          max: Math.max(...airlock),
          endToEndP50: p(endToEnd, 50),
          endToEndP99: p(endToEnd, 99),
          events: EVENTS,
        },
      }),
    ];
  } finally {
    raw?.destroy();
    ws?.terminate();
    await t.close();
    await removeContainers([name]);
  }
}
