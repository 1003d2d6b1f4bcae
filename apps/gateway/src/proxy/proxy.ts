// The forward proxy every session socket feeds: `CONNECT host:port` and absolute-form plain HTTP under
// one policy. Intercepted tunnels are TLS-terminated with the session CA's leaf for the CONNECT host and
// their requests are handled exactly like plain ones, after checking that the SNI and every request's
// Host name the CONNECT host. One pair of node:http parsers serves all sessions; which session a
// connection belongs to is known only from the socket it arrived on (the WeakMap below), never from
// anything the sandbox says.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { GatewayLimits, Route } from '@airlock/contract/gateway';
import type { SecretMatcher } from '@airlock/dlp/matcher';
import { redactText } from '@airlock/dlp/redact';
import { normalizeHost } from '../policy/hostname';
import type { CompiledPolicy } from '../policy-state';
import { blockBody, printable, rawBlockResponse, type Refusal } from './block';
import { completeRecord, sniOf } from './client-hello';
import { ExfiltrationHit, findInHead, RedactStream, ScanStream } from './transforms';
import type { Dial, Upstreams } from './upstream';
import { encodeFrame, InboundFrames, OutboundFrames, type FrameFault } from './websocket';

export interface BlockFacts {
  method: string;
  host: string;
  port: number;
  path: string;
  rule: string;
  reason: string;
}

/** What the proxy needs of a session: its current policy, its CA and somewhere to report to. */
export interface ProxySession {
  readonly id: string;
  readonly policy: CompiledPolicy;
  leafContext(host: string): SecureContext;
  blocked(facts: BlockFacts): void;
  allowed(host: string): void;
  /** Connections open on the session socket now. */
  tunnels: number;
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;
}

interface Tunnel {
  /** Normalised host name, or the canonical IP for an IP literal. */
  host: string;
  ip: string | null;
  port: number;
  dial: Dial;
}

interface ConnContext {
  session: ProxySession;
  tunnel?: Tunnel;
}

interface Target {
  tls: boolean;
  host: string;
  ip: string | null;
  port: number;
  /** Origin-form path and query. */
  path: string;
  dial?: Dial;
}

/** Never forwarded: they describe this hop, or are the sandbox's attempt to speak for the gateway. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
]);

type Authority = { host: string; ip: string | null; port: number } | Refusal;

/** `host:port`, `[v6]:port` or (when `defaultPort`) a bare host, normalised. */
function parseAuthority(text: string, defaultPort: number | null): Authority {
  let hostPart = text;
  let portText: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(\d*))?$/.exec(text);
  if (bracket) {
    hostPart = `[${bracket[1]}]`;
    portText = bracket[2];
  } else {
    const i = text.lastIndexOf(':');
    if (i >= 0 && text.indexOf(':') === i) {
      hostPart = text.slice(0, i);
      portText = text.slice(i + 1);
    }
  }
  if (text.includes('@'))
    return { rule: 'bad-host', reason: 'credentials in a proxy target are not accepted', status: 400 };
  let port = defaultPort;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535))
      return { rule: 'bad-host', reason: `"${printable(text)}" has no valid port`, status: 400 };
  }
  if (port === null) return { rule: 'bad-host', reason: `"${printable(text)}" names no port`, status: 400 };
  const n = normalizeHost(hostPart);
  if (!n.ok) return { rule: 'bad-host', reason: n.reason, status: 400 };
  return { host: n.ip ?? n.host, ip: n.ip, port };
}

const isRefusal = (x: object): x is Refusal => 'rule' in x;

/** Splits an absolute-form `http://authority/path` target. */
function parseAbsolute(url: string): { authority: string; path: string } | null {
  const m = /^http:\/\/([^/?#]*)([^#]*)/i.exec(url);
  if (!m) return null;
  const rest = m[2] ?? '';
  return { authority: m[1] ?? '', path: rest.startsWith('/') ? rest : `/${rest}` };
}

function requestHead(req: IncomingMessage, authority: string): Buffer {
  const parts = [`${req.method ?? ''} ${authority} ${req.url ?? ''}\r\n`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) parts.push(`${raw[i]}: ${raw[i + 1]}\r\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

export class Proxy {
  private outer!: http.Server;
  private inner!: http.Server;
  private readonly contexts = new WeakMap<Socket, ConnContext>();
  private readonly trustContexts = new WeakMap<string[], SecureContext>();
  private limits!: GatewayLimits;

  constructor(
    private readonly upstreams: Upstreams,
    limits: GatewayLimits,
  ) {
    this.setLimits(limits);
  }

  /** New limits apply to connections accepted from now on; open ones keep the parser they have. */
  setLimits(limits: GatewayLimits): void {
    this.limits = limits;
    const options: http.ServerOptions = {
      maxHeaderSize: limits.headerBytes,
      headersTimeout: limits.headersTimeoutMs,
      // Uploads may be long; an idle connection is what the per-socket timeout ends.
      requestTimeout: 0,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      keepAliveTimeout: 5000,
    };
    const outer = http.createServer(options);
    outer.on('request', (req, res) => this.onRequest(req, res));
    outer.on('checkContinue', (req, res) => this.onRequest(req, res));
    outer.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      void this.onConnect(req, socket, head);
    });
    outer.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    outer.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
    const inner = http.createServer(options);
    inner.on('request', (req, res) => this.onRequest(req, res));
    inner.on('checkContinue', (req, res) => this.onRequest(req, res));
    inner.on('connect', (req: IncomingMessage, socket: Socket) => {
      const ctx = this.contexts.get(socket);
      // Reported by the target it tried to reach through the tunnel, with that target's port.
      const a = parseAuthority(req.url ?? '', 443);
      this.refuseRaw(
        ctx?.session,
        socket,
        req,
        {
          rule: 'relayed-connect',
          reason: 'a CONNECT inside a tunnel is not allowed: connect to each host through the gateway itself',
        },
        isRefusal(a) ? undefined : { host: a.host, port: a.port },
      );
    });
    inner.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    inner.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
    // These parsers never listen themselves (connections are handed in from the session sockets), and
    // node:http starts its header/request timeout checks on 'listening': start them, or a client that
    // never finishes its headers would hold a connection for ever. (The gateway test proves it.)
    outer.emit('listening');
    inner.emit('listening');
    const old = [this.outer, this.inner];
    this.outer = outer;
    this.inner = inner;
    for (const s of old) s?.close(() => undefined);
  }

  /** A connection that arrived on `session`'s socket. */
  accept(session: ProxySession, socket: Socket): void {
    if (session.tunnels >= this.limits.tunnelsPerSession) {
      const reason = `this session already has ${session.tunnels} connections open through the gateway (gateway.limits.tunnelsPerSession)`;
      // Refused before a byte is read, so there is no request to name; reported all the same (the
      // server's audit budget keeps a flood of these readable).
      session.blocked({ method: 'CONNECTION', host: '', port: 0, path: '', rule: 'tunnels', reason });
      socket.end(rawBlockResponse({ rule: 'tunnels', reason, status: 503 }));
      return;
    }
    session.tunnels++;
    socket.once('close', () => session.tunnels--);
    socket.on('error', () => socket.destroy());
    socket.setTimeout(this.limits.idleTimeoutMs, () => socket.destroy());
    this.contexts.set(socket, { session });
    this.outer.emit('connection', socket);
  }

  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable || socket.destroyed) return void socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      // Oversized headers are how request smuggling and parser bugs are probed: say which limit, and
      // report it like any other refusal.
      const reason = `the request headers are larger than the gateway allows (gateway.limits.headerBytes, ${this.limits.headerBytes} bytes)`;
      const ctx = this.contexts.get(socket);
      const tunnel = ctx?.tunnel;
      ctx?.session.blocked({
        method: '',
        host: tunnel?.host ?? '',
        port: tunnel?.port ?? 0,
        path: '',
        rule: 'header-size',
        reason,
      });
      return void socket.end(rawBlockResponse({ rule: 'header-size', reason, status: 431 }));
    }
    socket.end(
      rawBlockResponse({ rule: 'bad-request', reason: 'the request could not be parsed', status: 400 }),
    );
  }

  // ---- entry points ---------------------------------------------------------------------------

  /** Every request, plain (absolute-form) or inside an intercepted tunnel, goes through here. */
  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const ctx = this.contexts.get(req.socket);
    if (!ctx) return void res.destroy();
    const t = this.targetOf(ctx, req);
    if ('refusal' in t) return this.refuse(ctx.session, req, res, t.host, t.port, t.path, t.refusal);
    void this.handle(ctx.session, req, res, t);
  }

  /**
   * What a request asks for: on a plain connection its absolute-form URL; in a tunnel, the tunnel's
   * target (an absolute-form URL there must name the tunnel's authority too). The Host header must
   * agree either way.
   */
  private targetOf(
    ctx: ConnContext,
    req: IncomingMessage,
  ): Target | { refusal: Refusal; host: string; port: number; path: string } {
    const t = ctx.tunnel;
    if (!t) {
      const abs = parseAbsolute(req.url ?? '');
      if (!abs)
        return {
          host: '?',
          port: 0,
          path: req.url ?? '',
          refusal: {
            rule: 'bad-request',
            reason: 'this is a forward proxy: send absolute-form http:// requests or CONNECT',
            status: 400,
          },
        };
      const a = parseAuthority(abs.authority, 80);
      if (isRefusal(a)) return { host: abs.authority, port: 0, path: abs.path, refusal: a };
      const hostCheck = this.checkHostHeader(req, a);
      if (hostCheck) return { host: a.host, port: a.port, path: abs.path, refusal: hostCheck };
      return { tls: false, host: a.host, ip: a.ip, port: a.port, path: abs.path };
    }
    let path = req.url ?? '/';
    if (!path.startsWith('/')) {
      // Absolute-form inside a tunnel: its authority must be the tunnel's too.
      const m = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(path);
      const a = m ? parseAuthority(m[1] ?? '', t.port) : null;
      if (!a || isRefusal(a) || a.host !== t.host || a.port !== t.port)
        return {
          host: t.host,
          port: t.port,
          path,
          refusal: {
            rule: 'host-mismatch',
            reason: `a request in the tunnel to ${t.host} named another target`,
          },
        };
      path = m?.[2] || '/';
    }
    const hostCheck = this.checkHostHeader(req, t);
    if (hostCheck) return { host: t.host, port: t.port, path, refusal: hostCheck };
    return { tls: true, host: t.host, ip: t.ip, port: t.port, path, dial: t.dial };
  }

  /** The Host header must name the target: it is what the upstream routes by. */
  private checkHostHeader(req: IncomingMessage, target: { host: string; port: number }): Refusal | null {
    const value = req.headers.host;
    if (value === undefined) return null; // HTTP/1.0 without Host: the gateway sets it.
    const a = parseAuthority(value, target.port);
    if (isRefusal(a) || a.host !== target.host || a.port !== target.port)
      return {
        rule: 'host-mismatch',
        reason: `the Host header "${printable(value, 100)}" does not name the target ${target.host}:${target.port}`,
      };
    return null;
  }

  private async onConnect(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const ctx = this.contexts.get(socket);
    if (!ctx) return void socket.destroy();
    const { session } = ctx;
    const a = parseAuthority(req.url ?? '', null);
    if (isRefusal(a)) return this.refuseRaw(session, socket, req, a);
    const matcher = session.policy.matcher;
    const decision = matcher.match({ host: a.host, ip: a.ip, port: a.port, tls: true });
    // Methods and paths are checked on each request inside the tunnel; here only host and port.
    const route = decision.allow
      ? decision.route
      : decision.rule === 'method' || decision.rule === 'path'
        ? matcher.hostAllowed(a.host, a.port, true)
        : null;
    if (!route) {
      const r = decision.allow ? { rule: 'no-route', reason: 'no route' } : decision;
      return this.refuseRaw(session, socket, req, { rule: r.rule, reason: r.reason }, a);
    }
    // The CONNECT line and its headers are scanned before the name is resolved: on a wildcard route
    // `<secret>.allowed.example` would otherwise leave in the DNS query itself.
    const exfil = session.policy.exfilMatcher(a.host);
    if (exfil.maxLen > 0) {
      const hit = findInHead(exfil, requestHead(req, `${a.host}:${a.port}`));
      if (hit) return this.refuseRaw(session, socket, req, exfiltration(hit, a.host), a);
    }
    const dial = await this.upstreams.dial(a.host, a.ip, a.port, route);
    if (isRefusal(dial)) return this.refuseRaw(session, socket, req, dial, a);
    if (socket.destroyed) return;
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    const tunnel: Tunnel = { host: a.host, ip: a.ip, port: a.port, dial };
    if (route.passthrough) return this.passthrough(session, socket, tunnel);
    this.intercept(session, socket, tunnel);
  }

  /**
   * An intercepted tunnel must open with a TLS handshake record. Anything else (plain HTTP sent
   * into a tunnel to port 80, `curl -p`) is answered in plain text and reported, not just dropped
   * by a failed handshake.
   */
  private intercept(session: ProxySession, socket: Socket, tunnel: Tunnel): void {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === 0x16) return this.terminateTls(session, socket, tunnel);
      const reason = `the tunnel to ${tunnel.host}:${tunnel.port} did not start with TLS: the gateway reads requests only inside TLS there (send plain HTTP as an absolute-form request instead of through CONNECT)`;
      session.blocked({
        method: 'CONNECT',
        host: tunnel.host,
        port: tunnel.port,
        path: '',
        rule: 'not-tls',
        reason,
      });
      socket.end(rawBlockResponse({ rule: 'not-tls', reason }));
    });
  }

  private terminateTls(session: ProxySession, socket: Socket, tunnel: Tunnel): void {
    const blockSni = (sni: string) =>
      session.blocked({
        method: 'CONNECT',
        host: tunnel.host,
        port: tunnel.port,
        path: '',
        rule: 'sni-mismatch',
        reason: `the TLS server name "${printable(sni, 100)}" is not the CONNECT host ${tunnel.host}`,
      });
    const tlsSocket: TLSSocket = new tls.TLSSocket(socket, {
      isServer: true,
      // Never HTTP/2 toward the sandbox: the inspector reads HTTP/1.1 only, nothing passes unread.
      ALPNProtocols: ['http/1.1'],
      secureContext: session.leafContext(tunnel.host),
      SNICallback: (name, cb) => {
        const n = normalizeHost(name);
        if (n.ok && (n.ip ?? n.host) === tunnel.host) return cb(null, session.leafContext(tunnel.host));
        blockSni(name);
        cb(new Error('SNI does not match the CONNECT host'));
      },
    });
    tlsSocket.on('error', () => tlsSocket.destroy());
    tlsSocket.once('secure', () => {
      // A name target must be asked for by name; only IP literals come without SNI.
      if (tunnel.ip === null && !tlsSocket.servername) {
        blockSni('(none)');
        return void tlsSocket.destroy();
      }
      // Only now to the parser: a request that came in the handshake's last flight was already
      // decrypted by the time 'secure' fired, and was forwarded before this check could refuse it
      // (test/escape/tls.test.ts). Until then what arrives waits in the socket's buffer.
      this.contexts.set(tlsSocket, { session, tunnel });
      this.inner.emit('connection', tlsSocket);
    });
  }

  private passthrough(session: ProxySession, socket: Socket, tunnel: Tunnel): void {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.limits.headersTimeoutMs);
    const fail = (rule: string, reason: string) => {
      clearTimeout(timer);
      session.blocked({ method: 'CONNECT', host: tunnel.host, port: tunnel.port, path: '', rule, reason });
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let record: Buffer | null;
      let sni: string | null;
      try {
        record = completeRecord(buf);
        if (!record) return;
        sni = sniOf(record);
      } catch (err) {
        return fail(
          'not-tls',
          `the passthrough tunnel to ${tunnel.host} did not start with TLS: ${(err as Error).message}`,
        );
      }
      socket.off('data', onData);
      socket.pause();
      clearTimeout(timer);
      const n = sni === null ? null : normalizeHost(sni);
      const name = n?.ok ? (n.ip ?? n.host) : null;
      if (tunnel.ip === null ? name !== tunnel.host : name !== null && name !== tunnel.host)
        return fail(
          'sni-mismatch',
          `the TLS server name "${printable(sni ?? '(none)', 100)}" is not the CONNECT host ${tunnel.host}`,
        );
      const up = net.connect({ host: tunnel.dial.address, port: tunnel.dial.port });
      up.setTimeout(this.limits.connectTimeoutMs, () => up.destroy());
      up.once('connect', () => {
        up.setTimeout(this.limits.idleTimeoutMs, () => up.destroy());
        session.allowed(tunnel.host);
        up.write(buf);
        socket.pipe(up);
        up.pipe(socket);
        socket.resume();
      });
      up.on('error', () => socket.destroy());
      up.on('close', () => socket.destroy());
      socket.on('close', () => up.destroy());
    };
    socket.on('data', onData);
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const ctx = this.contexts.get(socket);
    if (!ctx) return void socket.destroy();
    const t = this.targetOf(ctx, req);
    if ('refusal' in t) return this.refuseRaw(ctx.session, socket, req, t.refusal, t);
    void this.upgrade(ctx.session, req, socket, head, t);
  }

  /**
   * A WebSocket upgrade, on a route that allows it: the same checks as any request, then the frames
   * of both directions through websocket.ts (scanned toward the upstream, redacted toward the sandbox
   * on a credential route). Extensions are not offered, so every frame can be read.
   */
  private async upgrade(
    session: ProxySession,
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    t: Target,
  ): Promise<void> {
    const policy = session.policy;
    const decision = policy.matcher.match({ ...t, method: req.method ?? 'GET' });
    if (!decision.allow)
      return this.refuseRaw(session, socket, req, { rule: decision.rule, reason: decision.reason }, t);
    const route = decision.route;
    if (!route.websocket)
      return this.refuseRaw(
        session,
        socket,
        req,
        {
          rule: 'websocket',
          reason: `the route to ${t.host} does not allow WebSocket upgrades (an admin can set websocket: true on it)`,
        },
        t,
      );
    if (!/^websocket$/i.test(String(req.headers.upgrade ?? '')) || req.method !== 'GET')
      return this.refuseRaw(
        session,
        socket,
        req,
        { rule: 'upgrade', reason: 'only WebSocket upgrades (GET with Upgrade: websocket) are carried' },
        t,
      );
    const exfil = policy.exfilMatcher(t.host);
    if (exfil.maxLen > 0) {
      const hit = findInHead(exfil, requestHead(req, `${t.host}:${t.port}`));
      if (hit) return this.refuseRaw(session, socket, req, exfiltration(hit, t.host), t);
    }
    const dial = t.dial ?? (await this.upstreams.dial(t.host, t.ip, t.port, route));
    if (isRefusal(dial)) return this.refuseRaw(session, socket, req, dial, t);
    if (socket.destroyed) return;

    const headers = this.forwardHeaders(req, route, policy, t);
    delete headers['sec-websocket-extensions'];
    headers.connection = 'Upgrade';
    headers.upgrade = 'websocket';
    const options: https.RequestOptions & { secureContext?: SecureContext } = {
      host: dial.address,
      port: dial.port,
      method: 'GET',
      path: t.path,
      headers,
      setHost: false,
      // An upgraded connection leaves any pool; it gets its own.
      agent: false,
      timeout: this.limits.connectTimeoutMs,
    };
    if (t.tls) {
      if (t.ip === null) options.servername = t.host;
      options.secureContext = this.trustContext(dial.ca);
    }
    const echo = policy.echoMatcher(route);
    const up = (t.tls ? https : http).request(options);
    const upstreamFailed = (reason: string, status: number) => {
      up.destroy();
      if (socket.writable) socket.end(rawBlockResponse({ rule: 'upstream', reason, status }));
      else socket.destroy();
    };
    up.on('timeout', () => upstreamFailed(`${t.host}:${t.port} did not answer in time`, 504));
    up.on('error', (err) =>
      upstreamFailed(`${t.host}:${t.port} could not be reached: ${printable(err.message)}`, 502),
    );
    socket.on('close', () => up.destroy());
    // The upstream declined the upgrade: its answer goes back as an ordinary one, and the connection ends.
    up.on('response', (upRes) => this.relayRefusedUpgrade(socket, upRes, echo));
    up.on('upgrade', (upRes, upSocket, upHead) => {
      if (upRes.headers['sec-websocket-extensions'] !== undefined) {
        upSocket.destroy();
        return this.refuseRaw(
          session,
          socket,
          req,
          {
            rule: 'websocket',
            reason: `${t.host} answered with a WebSocket extension the gateway did not offer`,
            status: 502,
          },
          t,
        );
      }
      const lines = [`HTTP/1.1 101 ${upRes.statusMessage || 'Switching Protocols'}\r\n`];
      const raw = upRes.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2)
        lines.push(`${raw[i]}: ${echo ? redactText(raw[i + 1]!, echo) : raw[i + 1]}\r\n`);
      socket.write(`${lines.join('')}\r\n`, 'latin1');
      session.allowed(t.host);
      this.relayFrames(session, socket, head, upSocket, upHead, t, exfil.maxLen > 0 ? exfil : null, echo);
    });
    up.end();
  }

  /** Frames both ways until either side ends; a fault cuts both and is reported. */
  private relayFrames(
    session: ProxySession,
    socket: Socket,
    head: Buffer,
    upSocket: Socket,
    upHead: Buffer,
    t: Target,
    exfil: SecretMatcher | null,
    echo: SecretMatcher | null,
  ): void {
    const outbound = new OutboundFrames(exfil);
    const inbound = new InboundFrames(echo);
    let cut = false;
    const fault = (f: FrameFault, from: 'sandbox' | 'upstream') => {
      if (cut) return;
      cut = true;
      const rule = f.kind === 'secret' ? `exfiltration:${f.name}` : 'websocket-frame';
      const reason =
        f.kind === 'secret'
          ? exfiltration(f.name, t.host).reason
          : `the ${from} broke the WebSocket protocol: ${f.reason}`;
      session.blocked({
        method: 'WEBSOCKET',
        host: t.host,
        port: t.port,
        path: printable(t.path, 300),
        rule,
        reason,
      });
      // Policy violation (1008), with the rule, so the sandbox can tell why.
      const why = Buffer.from(`blocked: ${rule}`.slice(0, 120));
      const code = Buffer.alloc(2);
      code.writeUInt16BE(1008);
      socket.end(encodeFrame(true, 8, Buffer.concat([code, why])));
      upSocket.destroy();
    };
    const pipe = (
      from: Socket,
      to: Socket,
      frames: OutboundFrames | InboundFrames,
      side: 'sandbox' | 'upstream',
    ) => {
      const feed = (chunk: Buffer) => {
        if (cut) return;
        const r = frames.push(chunk);
        if (r.forward.length && !to.write(r.forward)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
        if (r.fault) fault(r.fault, side);
      };
      from.on('data', feed);
      return feed;
    };
    const fromSandbox = pipe(socket, upSocket, outbound, 'sandbox');
    const fromUpstream = pipe(upSocket, socket, inbound, 'upstream');
    upSocket.setTimeout(this.limits.idleTimeoutMs, () => upSocket.destroy());
    upSocket.on('error', () => upSocket.destroy());
    upSocket.on('close', () => socket.destroy());
    socket.on('close', () => upSocket.destroy());
    if (head.length) fromSandbox(head);
    if (upHead.length) fromUpstream(upHead);
  }

  private relayRefusedUpgrade(socket: Socket, upRes: IncomingMessage, echo: SecretMatcher | null): void {
    const lines = [`HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}\r\n`];
    const raw = upRes.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (HOP_BY_HOP.has(name) || name === 'content-length') continue;
      lines.push(`${raw[i]}: ${echo ? redactText(raw[i + 1]!, echo) : raw[i + 1]}\r\n`);
    }
    // Without a length the body ends with the connection, which ends here anyway.
    socket.write(`${lines.join('')}connection: close\r\n\r\n`, 'latin1');
    (echo ? upRes.pipe(new RedactStream(echo)) : upRes).pipe(socket);
    upRes.on('error', () => socket.destroy());
  }

  // ---- the one request path -------------------------------------------------------------------

  private async handle(
    session: ProxySession,
    req: IncomingMessage,
    res: ServerResponse,
    t: Target,
  ): Promise<void> {
    // The policy current now applies to this whole request, whatever changes while it runs.
    const policy = session.policy;
    const method = req.method ?? 'GET';
    const decision = policy.matcher.match({
      host: t.host,
      ip: t.ip,
      port: t.port,
      tls: t.tls,
      method,
      path: t.path,
    });
    if (!decision.allow)
      return this.refuse(session, req, res, t.host, t.port, t.path, {
        rule: decision.rule,
        reason: decision.reason,
      });
    const route = decision.route;
    if (req.headers.trailer !== undefined)
      return this.refuse(session, req, res, t.host, t.port, t.path, {
        rule: 'trailers',
        reason: 'requests with trailers are refused: the gateway cannot scan headers sent after the body',
      });
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity' && !route.allowCompressedBody)
      return this.refuse(session, req, res, t.host, t.port, t.path, {
        rule: 'compressed-body',
        reason: `a ${printable(encoding, 40)}-encoded request body cannot be scanned; the route to ${t.host} does not allow it`,
      });
    const matcher = policy.exfilMatcher(t.host);
    if (matcher.maxLen > 0) {
      const hit = findInHead(matcher, requestHead(req, `${t.host}:${t.port}`));
      if (hit) return this.refuse(session, req, res, t.host, t.port, t.path, exfiltration(hit, t.host));
    }
    const dial = t.dial ?? (await this.upstreams.dial(t.host, t.ip, t.port, route));
    if (isRefusal(dial)) return this.refuse(session, req, res, t.host, t.port, t.path, dial);

    const headers = this.forwardHeaders(req, route, policy, t);
    if (req.headers.expect !== undefined) {
      // Answered here, so the body reaches the scanner before anything goes upstream.
      if (!/^100-continue$/i.test(req.headers.expect))
        return this.refuse(session, req, res, t.host, t.port, t.path, {
          rule: 'bad-request',
          reason: 'only "Expect: 100-continue" is understood',
          status: 417,
        });
      res.writeContinue();
    }
    const options: https.RequestOptions & { secureContext?: SecureContext } = {
      host: dial.address,
      port: dial.port,
      method,
      path: t.path,
      headers,
      setHost: false,
      agent: t.tls ? session.httpsAgent : session.httpAgent,
      timeout: this.limits.connectTimeoutMs,
    };
    if (t.tls) {
      if (t.ip === null) options.servername = t.host;
      options.secureContext = this.trustContext(dial.ca);
    }
    const up = (t.tls ? https : http).request(options);
    let settled = false;
    const fail = (r: Refusal) => {
      if (settled) return;
      settled = true;
      up.destroy();
      if (!res.headersSent) this.refuse(session, req, res, t.host, t.port, t.path, r, true);
      else res.destroy();
    };
    // A secret in the body is a policy block whenever it turns up, even after the upstream began to
    // answer: the upstream request is aborted, the sandbox gets the refusal (or, with an answer
    // already on its way, a cut connection), and the block is reported either way. (Reported as an
    // upstream failure, it reached neither the audit log nor the session: test/escape/exfiltration.)
    const refuseBody = (r: Refusal) => {
      settled = true;
      up.destroy();
      this.refuse(session, req, res, t.host, t.port, t.path, r);
    };
    up.on('socket', (s) => s.setTimeout(this.limits.idleTimeoutMs));
    up.on('timeout', () =>
      fail({ rule: 'upstream', reason: `${t.host}:${t.port} did not answer in time`, status: 504 }),
    );
    up.on('error', (err) =>
      fail({
        rule: 'upstream',
        reason: `${t.host}:${t.port} could not be reached: ${printable(err.message)}`,
        status: 502,
      }),
    );
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    up.on('response', (upRes) => {
      if (settled) return void upRes.destroy();
      settled = true;
      this.respond(session, policy, route, t, req, upRes, res);
    });

    if (matcher.maxLen > 0) {
      const scan = new ScanStream(matcher);
      scan.on('error', (err) => {
        req.unpipe(scan);
        if (err instanceof ExfiltrationHit) refuseBody(exfiltration(err.secretName, t.host));
        else fail({ rule: 'bad-request', reason: 'the request body could not be read', status: 400 });
      });
      req.pipe(scan).pipe(up);
    } else {
      req.pipe(up);
    }
    req.on('error', () => up.destroy());
  }

  private forwardHeaders(
    req: IncomingMessage,
    route: Route,
    policy: CompiledPolicy,
    t: Target,
  ): Record<string, string | string[]> {
    const credential = route.credential === undefined ? undefined : policy.credentials.get(route.credential);
    const injected =
      credential === undefined
        ? null
        : credential.inject.type === 'header'
          ? credential.inject.header!.toLowerCase()
          : 'authorization';
    const out: Record<string, string | string[]> = {};
    const raw = req.rawHeaders;
    const connectionTokens = new Set(
      (req.headers.connection ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (HOP_BY_HOP.has(name) || connectionTokens.has(name) || name === injected) continue;
      const prev = out[name];
      out[name] =
        prev === undefined ? raw[i + 1]! : Array.isArray(prev) ? [...prev, raw[i + 1]!] : [prev, raw[i + 1]!];
    }
    const defaultPort = t.tls ? 443 : 80;
    const hostName = t.ip !== null && t.ip.includes(':') ? `[${t.ip}]` : t.host;
    out.host = t.port === defaultPort ? hostName : `${hostName}:${t.port}`;
    if (credential) {
      // Added after every check, and only on the route the credential is bound to.
      const v = credential.value;
      out[injected!] =
        credential.inject.type === 'bearer'
          ? `Bearer ${v}`
          : credential.inject.type === 'basic'
            ? `Basic ${Buffer.from(v).toString('base64')}`
            : v;
      // A compressed echo of the credential could not be redacted.
      out['accept-encoding'] = 'identity';
    }
    return out;
  }

  private respond(
    session: ProxySession,
    policy: CompiledPolicy,
    route: Route,
    t: Target,
    req: IncomingMessage,
    upRes: IncomingMessage,
    res: ServerResponse,
  ): void {
    const echo = policy.echoMatcher(route);
    const headers: Record<string, string | string[]> = {};
    const connectionTokens = new Set(
      (upRes.headers.connection ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );
    const raw = upRes.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if ((HOP_BY_HOP.has(name) && name !== 'host') || connectionTokens.has(name)) continue;
      const value = echo ? redactText(raw[i + 1]!, echo) : raw[i + 1]!;
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    let body: NodeJS.ReadableStream = upRes;
    if (echo) {
      // The length changes when a secret is replaced; and a compressed echo must be read to be redacted.
      delete headers['content-length'];
      const enc = String(upRes.headers['content-encoding'] ?? 'identity').toLowerCase();
      const decoder =
        enc === 'gzip' || enc === 'x-gzip'
          ? createGunzip()
          : enc === 'deflate'
            ? createInflate()
            : enc === 'br'
              ? createBrotliDecompress()
              : null;
      if (decoder) {
        delete headers['content-encoding'];
        decoder.on('error', () => res.destroy());
        body = upRes.pipe(decoder);
      } else if (enc !== 'identity') {
        upRes.destroy();
        return void this.refuse(session, req, res, t.host, t.port, t.path, {
          rule: 'compressed-response',
          reason: `${t.host} answered with a ${printable(enc, 40)} body the gateway cannot read for redaction`,
          status: 502,
        });
      }
      body = body.pipe(new RedactStream(echo));
    }
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
    body.pipe(res);
    upRes.on('error', () => res.destroy());
    session.allowed(t.host);
  }

  private trustContext(ca: string[]): SecureContext {
    let c = this.trustContexts.get(ca);
    if (!c) {
      c = tls.createSecureContext({ ca });
      this.trustContexts.set(ca, c);
    }
    return c;
  }

  // ---- refusals -------------------------------------------------------------------------------

  private refuse(
    session: ProxySession,
    req: IncomingMessage,
    res: ServerResponse,
    host: string,
    port: number,
    path: string,
    r: Refusal,
    upstreamFailure = false,
  ): void {
    // An upstream that fails is reported to the sandbox, but it is not a policy block.
    if (!upstreamFailure)
      session.blocked({
        method: req.method ?? '?',
        host,
        port,
        path: printable(path, 300),
        rule: r.rule,
        reason: r.reason,
      });
    if (res.headersSent) return void res.destroy();
    const body = blockBody(r);
    res.writeHead(r.status ?? 403, {
      'x-airlock-block': printable(r.rule, 100),
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      // The rest of a refused body is not read; the connection cannot be reused.
      connection: 'close',
    });
    res.end(body);
    req.resume();
  }

  private refuseRaw(
    session: ProxySession | undefined,
    socket: Socket,
    req: IncomingMessage,
    r: Refusal,
    target?: { host: string; port: number; path?: string },
  ): void {
    session?.blocked({
      method: req.method ?? 'CONNECT',
      host: target?.host ?? printable(req.url ?? '', 200),
      port: target?.port ?? 0,
      path: printable(target?.path ?? '', 300),
      rule: r.rule,
      reason: r.reason,
    });
    if (socket.writable) socket.end(rawBlockResponse(r));
    else socket.destroy();
  }
}

function exfiltration(name: string, host: string): Refusal {
  return {
    rule: `exfiltration:${name}`,
    reason: `the request to ${host} carries the secret "${name}", which may only be sent to the hosts it is bound to`,
  };
}
