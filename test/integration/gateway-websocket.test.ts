// WebSocket through the gateway process, attacked through a real session socket: upgrades only on
// routes that allow them, every frame from the sandbox scanned for secrets bound elsewhere (raw and
// encoded, split across fragments), echoes of the injected credential redacted from server frames
// (also split across fragments), no compression negotiated, and broken framing cut off.
import assert from 'node:assert/strict';
import type http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket, { WebSocketServer } from 'ws';
import { connectTunnel, startGateway, tlsUpstream, type TestGateway } from '../support/gateway';

const SECRET = 'sk-test-SECRET-0123456789abcdef'; // bound to api.test
const WS_SECRET = 'ws-live-TOKEN-9876543210-zyxwv'; // bound to ws.test and injected there

describe('gateway: WebSocket', () => {
  let gw: TestGateway;
  let up: Awaited<ReturnType<typeof tlsUpstream>>;
  let sock = '';
  let caPem = '';
  const upgrades: http.IncomingHttpHeaders[] = [];
  const received: Buffer[] = [];

  before(async () => {
    up = await tlsUpstream(['ws.test', 'api.test']);
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
    up.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      upgrades.push(req.headers);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const auth = String(req.headers.authorization ?? '');
        ws.on('message', (data: Buffer) => {
          received.push(Buffer.from(data));
          const text = data.toString();
          if (text === 'whoami') ws.send(`you are ${auth}`);
          else if (text === 'split') {
            // The injected value echoed across two fragments of one message.
            const cut = auth.length - 9;
            ws.send(`a:${auth.slice(0, cut)}`, { fin: false });
            ws.send(`${auth.slice(cut)}:z`, { fin: true });
          } else ws.send(`echo:${text}`);
        });
      });
    });
    const addr = `127.0.0.1:${up.port}`;
    gw = await startGateway({
      overrides: {
        'ws.test': { address: addr, caPem: up.caPem },
        'api.test': { address: addr, caPem: up.caPem },
      },
    });
    const put = await gw.put('s-ws', {
      routes: [
        { host: 'ws.test', credential: 'wstok', websocket: true },
        { host: 'api.test', credential: 'tok' },
      ],
      credentials: [
        { name: 'tok', value: SECRET, inject: { type: 'bearer' }, hosts: ['api.test'] },
        { name: 'wstok', value: WS_SECRET, inject: { type: 'bearer' }, hosts: ['ws.test'] },
      ],
    });
    sock = put.socketPath;
    caPem = put.caCertPem;
  });
  after(async () => {
    await gw?.stop();
    await up?.close();
  });

  /** A WebSocket to wss://<host><path> through a CONNECT tunnel on the session socket. */
  async function open(host: string, path = '/chat'): Promise<WebSocket> {
    const t = await connectTunnel(sock, `${host}:443`);
    assert.match(t.status, / 200 /);
    const secure = tls.connect({
      socket: t.socket,
      ca: caPem,
      servername: host,
      ALPNProtocols: ['http/1.1'],
    });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    return new WebSocket(`wss://${host}${path}`, {
      createConnection: () => secure,
      perMessageDeflate: true,
      headers: { authorization: 'Bearer airlock-managed' },
    });
  }
  const opened = (ws: WebSocket) =>
    new Promise<{ ok: true } | { ok: false; status: number; block: string }>((resolve, reject) => {
      ws.once('open', () => resolve({ ok: true }));
      ws.once('unexpected-response', (_req, res) =>
        resolve({ ok: false, status: res.statusCode ?? 0, block: String(res.headers['x-airlock-block']) }),
      );
      ws.once('error', reject);
    });
  const nextMessage = (ws: WebSocket) =>
    new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
  const closed = (ws: WebSocket) =>
    new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  const lastBlock = async (rule: string) => {
    for (let i = 0; i < 50; i++) {
      const e = gw.control.events.find((x) => x.kind === 'blocked' && x.rule === rule);
      if (e) return e;
      await sleep(20);
    }
    assert.fail(`no block event with rule ${rule}: ${JSON.stringify(gw.control.events)}`);
  };

  it('refuses an upgrade on a route that does not allow WebSocket', async () => {
    const r = await opened(await open('api.test'));
    assert.deepEqual(r, { ok: false, status: 403, block: 'websocket' });
    await lastBlock('websocket');
  });

  it('carries messages on an allowed route, injects the credential, and negotiates no compression', async () => {
    const ws = await open('ws.test');
    assert.deepEqual(await opened(ws), { ok: true });
    const reply = nextMessage(ws);
    ws.send('hello');
    assert.equal(await reply, 'echo:hello');
    const h = upgrades.at(-1)!;
    assert.equal(h.authorization, `Bearer ${WS_SECRET}`, 'the sandbox placeholder was replaced');
    assert.equal(h['sec-websocket-extensions'], undefined, 'permessage-deflate was not offered upstream');
    assert.equal(ws.extensions, '', 'nor negotiated with the sandbox');
    ws.close();
  });

  it('redacts an echo of the injected credential from server frames, whole or split across fragments', async () => {
    const ws = await open('ws.test');
    await opened(ws);
    let reply = nextMessage(ws);
    ws.send('whoami');
    assert.equal(await reply, 'you are Bearer [REDACTED:wstok]');
    reply = nextMessage(ws);
    ws.send('split');
    const split = await reply;
    assert.ok(!split.includes(WS_SECRET.slice(0, 12)), split);
    assert.equal(split, 'a:Bearer [REDACTED:wstok]:z');
    ws.close();
  });

  for (const [form, text] of [
    ['raw', SECRET],
    ['base64', Buffer.from(`x${SECRET}`).toString('base64')],
    ['hex', Buffer.from(SECRET).toString('hex')],
    ['percent', encodeURIComponent(SECRET).replace(/-/g, '%2D')],
  ] as const) {
    it(`cuts the connection when a frame carries a secret bound elsewhere (${form})`, async () => {
      const ws = await open('ws.test');
      await opened(ws);
      const end = closed(ws);
      const before = received.length;
      ws.send(`token=${text}`);
      const c = await end;
      assert.equal(c.code, 1008);
      assert.equal(c.reason, 'blocked: exfiltration:tok');
      await lastBlock('exfiltration:tok');
      assert.equal(received.length, before, 'the upstream got no message');
    });
  }

  it('finds a secret split across fragments of one message and never delivers the rest', async () => {
    const ws = await open('ws.test');
    await opened(ws);
    const end = closed(ws);
    ws.send(`k=${SECRET.slice(0, 10)}`, { fin: false });
    await sleep(50);
    ws.send(SECRET.slice(10), { fin: true });
    assert.equal((await end).code, 1008);
    assert.ok(
      received.every((m) => !m.includes(SECRET)),
      'no complete secret reached the upstream',
    );
  });

  it('cuts a sandbox that sends an unmasked frame or sets an RSV bit', async () => {
    for (const frame of [
      Buffer.from([0x81, 0x02, 0x68, 0x69]), // unmasked "hi"
      Buffer.from([0xc1, 0x82, 1, 2, 3, 4, 0x69, 0x6b]), // RSV1 (compressed) without an extension
    ]) {
      const t = await connectTunnel(sock, 'ws.test:443');
      const secure = tls.connect({ socket: t.socket, ca: caPem, servername: 'ws.test' });
      // The gateway may cut the connection while the frame is still being written.
      secure.on('error', () => undefined);
      await new Promise((r) => secure.once('secureConnect', r));
      secure.write(
        'GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      let got = Buffer.alloc(0);
      secure.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.includes('\r\n\r\n')) secure.write(frame);
      });
      await new Promise((r) => secure.once('close', r));
      assert.match(got.toString('latin1'), /^HTTP\/1\.1 101 /);
      // The last thing sent is a close frame with 1008.
      const closeAt = got.lastIndexOf(Buffer.from([0x88]));
      assert.ok(closeAt > 0 && got.readUInt16BE(closeAt + 2) === 1008, got.toString('latin1'));
    }
    await lastBlock('websocket-frame');
  });
});
