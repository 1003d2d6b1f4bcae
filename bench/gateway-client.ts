// The one client every variant of the gateway benchmark is measured with: undici, 32 keep-alive
// connections, either straight to the upstream or through a proxy with CONNECT (undici's ProxyAgent;
// for the gateway the proxy connection is the session's unix socket, as a sandbox's relay reaches it).
// Then three ways to drive it: a closed loop of 32 workers, one request at a time, and one download.
import { Agent, Pool, ProxyAgent, type Dispatcher } from 'undici';

export const CONNECTIONS = 32;
/** Every variant presents this name in TLS; the upstream's certificate is for it. */
export const SERVER_NAME = 'api.test';

export interface Target {
  dispatcher: Dispatcher;
  /** What requests are addressed to (and, through a proxy, what is CONNECTed to). */
  origin: string;
}

/** Straight to the upstream's loopback port, verifying its certificate for `api.test`. */
export function directTarget(port: number, caPem: string): Target {
  return {
    dispatcher: new Agent({
      connections: CONNECTIONS,
      keepAliveTimeout: 60_000,
      connect: { ca: caPem, servername: SERVER_NAME },
    }),
    origin: `https://127.0.0.1:${port}`,
  };
}

/**
 * Through a CONNECT proxy on a loopback port or a unix socket. `origin` is what the tunnel names:
 * `https://api.test` for the gateway (its override map dials the upstream), the upstream's
 * `127.0.0.1:port` for squid and mitmproxy (nothing to resolve). `caPem` is what the TLS inside the
 * tunnel is verified against: the upstream's CA for a plain tunnel, the interceptor's otherwise.
 */
export function proxyTarget(
  proxy: { port: number } | { socketPath: string },
  origin: string,
  caPem: string,
): Target {
  const viaSocket = 'socketPath' in proxy ? proxy.socketPath : null;
  return {
    dispatcher: new ProxyAgent({
      // The host in a unix-socket proxy's URI is never resolved: the connection goes to the socket.
      uri: viaSocket ? 'http://gateway.invalid:3128' : `http://127.0.0.1:${(proxy as { port: number }).port}`,
      connections: CONNECTIONS,
      keepAliveTimeout: 60_000,
      requestTls: { ca: caPem, servername: SERVER_NAME },
      ...(viaSocket
        ? { clientFactory: (url: URL) => new Pool(url, { connect: { socketPath: viaSocket } }) }
        : {}),
    }),
    origin,
  };
}

async function once(t: Target, path: string, expectBytes: number): Promise<void> {
  const res = await t.dispatcher.request({ origin: t.origin, path, method: 'GET' });
  const body = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200 || body.length !== expectBytes)
    throw new Error(
      `GET ${t.origin}${path} answered ${res.statusCode} with ${body.length} bytes (expected 200, ${expectBytes}): ${body.toString('latin1', 0, 300)}`,
    );
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  /** Per-request latency in ms, request start to last body byte. */
  latencies: number[];
}

/**
 * A closed loop: CONNECTIONS workers each sending the next request when the last one's body is in.
 * `warmupSeconds` first (connections and TLS set up, JIT warm), then `seconds` measured. `around` is
 * called at the start and end of the measured window (CPU readings of the proxy).
 */
export async function closedLoop(
  t: Target,
  path: string,
  expectBytes: number,
  seconds: number,
  warmupSeconds: number,
  around: { start(): void; end(): void } = { start() {}, end() {} },
): Promise<LoadResult> {
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  const latencies: number[] = [];
  let t0 = 0;
  let t1 = 0;
  const worker = async () => {
    while (phase !== 'stop') {
      const started = performance.now();
      const measuring = phase === 'measure';
      await once(t, path, expectBytes);
      if (measuring && phase === 'measure') latencies.push(performance.now() - started);
    }
  };
  const workers = Array.from({ length: CONNECTIONS }, worker);
  const failed = Promise.race(workers.map((w) => w.then(() => new Promise<never>(() => {}))));
  const wait = (s: number) => Promise.race([new Promise((r) => setTimeout(r, s * 1000)), failed]);
  await wait(warmupSeconds);
  around.start();
  t0 = performance.now();
  phase = 'measure';
  await wait(seconds);
  phase = 'stop';
  t1 = performance.now();
  around.end();
  await Promise.all(workers);
  const secs = (t1 - t0) / 1000;
  return { requests: latencies.length, seconds: secs, perSecond: latencies.length / secs, latencies };
}

/** One request at a time on one connection: `n` samples after `warmup` unrecorded ones, in ms. */
export async function serial(
  t: Target,
  path: string,
  expectBytes: number,
  n: number,
  warmup = 200,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + n; i++) {
    const started = performance.now();
    await once(t, path, expectBytes);
    if (i >= warmup) out.push(performance.now() - started);
  }
  return out;
}

/** One download, counting bytes as they arrive and keeping none: MB/s (10^6 bytes). */
export async function download(
  t: Target,
  path: string,
  expectBytes: number,
): Promise<{ bytes: number; seconds: number; mbPerSecond: number }> {
  const started = performance.now();
  const res = await t.dispatcher.request({ origin: t.origin, path, method: 'GET' });
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Buffer).length;
  const seconds = (performance.now() - started) / 1000;
  if (res.statusCode !== 200 || bytes !== expectBytes)
    throw new Error(
      `download through ${t.origin} answered ${res.statusCode} with ${bytes} of ${expectBytes} bytes`,
    );
  return { bytes, seconds, mbPerSecond: bytes / 1e6 / seconds };
}
