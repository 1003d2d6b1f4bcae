// The floor the gateway is read against: a bare Node interceptor, the prototype issue 9 describes
// (an allowlist of one host, SNI and Host checks, a leaf from a session CA, header injection, a
// literal scan of the request head), on a unix socket like a session's. No policy engine, no
// encoded-form scanning, no body scanning, no echo redaction, no limits, no reports: what Node's
// http and TLS cost on this machine for the same two TLS legs, so a gap between it and the gateway
// is the gateway's own code. Never a product: it lives in bench/ only.
// argv: <socket path> <upstream port> <upstream CA file> <Authorization to inject> <secret>...
// Prints `{caPem}` on one line when listening; exits when stdin closes.
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { SessionCa } from '../apps/gateway/src/tls/ca';

const [socketPath, portText, caFile, authorization, ...secrets] = process.argv.slice(2);
if (!socketPath || !portText || !caFile || !authorization) throw new Error('usage: see the header');
const HOST = 'api.test';
const port = Number(portText);
const ca = SessionCa.create('floor');
const leaf = ca.leafContext(HOST);
const agent = new https.Agent({ keepAlive: true, maxSockets: 256, ca: readFileSync(caFile, 'utf8') });
const needles = secrets.map((s) => Buffer.from(s));

const refuse = (socket: net.Socket, why: string) =>
  socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-length: ${why.length}\r\nconnection: close\r\n\r\n${why}`);

const inner = http.createServer({ keepAliveTimeout: 60_000 });
inner.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
  if (req.headers.host !== HOST) return void res.writeHead(403).end('host');
  const head = Buffer.from(`${req.method} ${req.url}\n${req.rawHeaders.join('\n')}`, 'latin1');
  if (needles.some((n) => head.includes(n))) return void res.writeHead(403).end('secret');
  const headers: http.OutgoingHttpHeaders = { ...req.headers, authorization };
  delete headers.connection;
  const up = https.request({
    host: '127.0.0.1',
    port,
    servername: HOST,
    method: req.method,
    path: req.url,
    headers,
    agent,
  });
  up.on('response', (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});

const outer = http.createServer();
outer.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
  if (req.url !== `${HOST}:443`) return void refuse(socket, 'route');
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length) socket.unshift(head);
  const t = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext: leaf,
    ALPNProtocols: ['http/1.1'],
    SNICallback: (name, cb) => (name === HOST ? cb(null, leaf) : cb(new Error('sni'))),
  });
  t.on('error', () => t.destroy());
  inner.emit('connection', t);
});

rmSync(socketPath, { force: true });
const server = net.createServer((s) => {
  s.on('error', () => s.destroy());
  outer.emit('connection', s);
});
server.listen(socketPath, () => process.stdout.write(JSON.stringify({ caPem: ca.certPem }) + '\n'));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
