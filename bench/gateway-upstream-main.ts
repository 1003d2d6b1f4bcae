// The gateway benchmark's HTTPS upstream, run as its own process (so the client's event loop and the
// upstream's are not one, as they would not be in real life): `tlsUpstream` from the gateway tests,
// serving `api.test`, with
//   /1k        1 KiB of bytes (the throughput and latency loops)
//   /download  DOWNLOAD_BYTES of random bytes, streamed with backpressure (nothing buffered whole)
//   /stats     how many requests and TLS connections it has served, and how many requests carried
//              the injected credential
// Started by gateway-upstream.ts; prints one JSON line `{port, caPem}` when listening and exits when
// its stdin closes. argv: <download bytes> <small bytes> <expected Authorization value>.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { tlsUpstream } from '../test/support/gateway';

const DOWNLOAD_BYTES = Number(process.argv[2]);
const SMALL_BYTES = Number(process.argv[3]);
const expectedAuth = process.argv[4] ?? '';
if (!(DOWNLOAD_BYTES > 0 && SMALL_BYTES > 0))
  throw new Error('usage: gateway-upstream-main <download> <small> <auth>');
const small = randomBytes(SMALL_BYTES);
// Random, so a scanner or redactor in the way sees bytes like a real file's, not a run of zeros.
const chunk = randomBytes(64 * 1024);
const counts = { requests: 0, withCredential: 0, downloads: 0, tlsConnections: 0 };

function download(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': DOWNLOAD_BYTES });
  let sent = 0;
  const more = (): void => {
    while (sent < DOWNLOAD_BYTES) {
      const n = Math.min(chunk.length, DOWNLOAD_BYTES - sent);
      sent += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', more);
    }
    res.end();
  };
  more();
}

const up = await tlsUpstream(
  ['api.test'],
  (req, res) => {
    const path = req.url ?? '';
    if (path === '/stats') return void res.end(JSON.stringify(counts));
    counts.requests++;
    if (expectedAuth !== '' && req.headers.authorization === expectedAuth) counts.withCredential++;
    if (path === '/download') {
      counts.downloads++;
      return download(res);
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SMALL_BYTES });
    res.end(small);
  },
  { record: false },
);
// Counted so a run can tell whether a proxy reuses its upstream connections.
up.server.on('secureConnection', () => counts.tlsConnections++);
// Keep-alive longer than the loops' pauses between phases, so no variant pays for reconnecting.
up.server.keepAliveTimeout = 60_000;
process.stdout.write(JSON.stringify({ port: up.port, caPem: up.caPem }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void up.close().then(() => process.exit(0));
});
