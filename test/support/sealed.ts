// A deck with the real gateway process and both runtimes, and a local TLS upstream that the override
// map puts behind `api.test` and `other.test` (or the names a test gives, with its own handler), plus any
// decoys a test adds to the map. Driven through the API as an unlocked admin.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type Caller, type TestApp } from './app';
import { GATEWAY_MAIN, tlsUpstream } from './gateway';

export interface SealedDeck {
  t: TestApp;
  home: string;
  admin: Caller;
  upstream: Awaited<ReturnType<typeof tlsUpstream>>;
  /** Calls the API as the unlocked admin; asserts the status; returns the JSON body. */
  api<T = unknown>(method: string, url: string, body?: unknown, status?: number): Promise<T>;
  gatewayPid(): number | null;
  waitGateway(state: 'up' | 'down'): Promise<void>;
  stopGatewayForTest(): void;
  close(): Promise<void>;
}

/** Echoes the Authorization it got, as a debugging endpoint would. */
function echoAuthorization(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('x-echo', String(req.headers.authorization ?? ''));
  res.end(`auth=${req.headers.authorization ?? ''}\n`);
}

export interface SealedDeckOptions {
  /** The names the override map puts behind the local upstream (default api.test and other.test). */
  hosts?: string[];
  handler?: Parameters<typeof tlsUpstream>[1];
  /**
   * More names for the override map, each behind a server the test runs itself (a decoy), with the
   * CA that signs its certificate when it speaks TLS.
   */
  overrides?: Record<string, { address: string; caPem?: string }>;
}

export async function startSealedDeck(opts: SealedDeckOptions = {}): Promise<SealedDeck> {
  const hosts = opts.hosts ?? ['api.test', 'other.test'];
  const upstream = await tlsUpstream(hosts, opts.handler ?? echoAuthorization);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airlock-sealed-'));
  const caFile = path.join(dir, 'upstream-ca.pem');
  writeFileSync(caFile, upstream.caPem);
  const address = `127.0.0.1:${upstream.port}`;
  const extra = Object.entries(opts.overrides ?? {}).map(([name, o], i) => {
    if (!o.caPem) return [name, { address: o.address }] as const;
    const ca = path.join(dir, `override-${i}-ca.pem`);
    writeFileSync(ca, o.caPem);
    return [name, { address: o.address, ca }] as const;
  });
  const t = await startTestApp(
    {
      gateway: {
        upstreamOverrides: {
          ...Object.fromEntries(hosts.map((h) => [h, { address, ca: caFile }])),
          ...Object.fromEntries(extra),
        },
      },
    },
    { gatewayCommand: [process.execPath, GATEWAY_MAIN] },
  );
  const admin = await t.setup();
  await t.unlock(admin);
  const gateway = t.app.services.gateway;
  const api = async <T>(method: string, url: string, body?: unknown, status?: number): Promise<T> => {
    const res = await t.request(method, url, { as: admin, ...(body !== undefined ? { body } : {}) });
    const want =
      status ?? (method === 'POST' && !url.includes('/exec') && !url.includes('cleanup') ? 201 : 200);
    assert.equal(res.statusCode, want, `${method} ${url}: ${res.body}`);
    return (res.body ? res.json() : undefined) as T;
  };
  const waitGateway = async (state: 'up' | 'down') => {
    for (let i = 0; i < 200; i++) {
      const s = gateway.health().state;
      if (state === 'up' ? s === 'up' : s !== 'up') return;
      await sleep(50);
    }
    assert.fail(`the gateway did not become ${state}: ${JSON.stringify(gateway.health())}`);
  };
  await waitGateway('up');
  return {
    t,
    home: t.home,
    admin,
    upstream,
    api,
    gatewayPid: () => gateway.pid ?? null,
    waitGateway,
    stopGatewayForTest: () => void gateway.stop(),
    async close() {
      // Sessions first, so no sandbox outlives its test.
      const list = await t.request('GET', '/api/sessions', { as: admin });
      for (const s of list.json<{ items: Array<{ id: string }> }>().items ?? [])
        await t.request('DELETE', `/api/sessions/${s.id}`, { as: admin });
      await t.close();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
