// The sandbox side of the escape suite: two small attack clients, one in Python and one in Node, run
// inside a sealed sandbox by `POST /api/sessions/:id/exec`. Each reads a JSON list of attempts on
// stdin and prints one JSON result per attempt, so a test batches many attacks into one exec and
// still asserts each on its own. The Python client also runs the command-line tools (curl, openssl,
// getent) for the attempts that use them, with argv arrays, never a shell string.
//
// Everything here speaks the protocols by hand where a library would hide the attack (a second
// request on one tunnel, a CONNECT inside a tunnel, a body sent slowly in chunks), and through the
// ordinary library path where that is what an agent's code would do (urllib with the proxy from the
// environment, node:https over a CONNECT it made). Bytes travel as latin1 strings in the JSON.

/** One write, then a pause before the next (to split a body across TCP segments and chunks). */
export interface Piece {
  data: string;
  delayMs?: number;
}
export type Send = string | Piece[];

export interface RawRequest {
  /** Bytes of the request (sent as given: the attack is in what a library would not send). */
  send: Send;
}

export type ClientSpec =
  /** A direct TCP connection (no proxy): connect, send, read what comes back. */
  | { kind: 'tcp'; host: string; port: number; send?: string }
  /** A datagram; `send` is the payload. */
  | { kind: 'udp'; host: string; port: number; send: string }
  /** A unix socket by path; a leading NUL names the abstract namespace. */
  | { kind: 'unix'; path: string; send?: string }
  /** Name resolution as a program would ask for it (python: getaddrinfo; node: dns.lookup and dns.resolve4). */
  | { kind: 'resolve'; name: string }
  /** Raw bytes to the proxy from the environment; `responses` answers read back on the one connection. */
  | { kind: 'proxy'; send: Send; responses?: number }
  /**
   * CONNECT `authority` through the proxy, TLS over it with server name `sni` (null: none), trusting
   * the CA bundle the sandbox's environment names, then each request in turn on that one tunnel.
   */
  | { kind: 'tunnel'; authority: string; sni: string | null; requests: RawRequest[] }
  /** The library path: python urllib (proxy and CA from the environment) / node http(s) over CONNECT. */
  | {
      kind: 'request';
      method?: string;
      url: string;
      headers?: Record<string, string>;
      body?: Send;
    }
  /** A program with argv (python client only): curl, openssl, getent, ls... */
  | { kind: 'cmd'; argv: string[]; input?: string; timeoutMs?: number };

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a client reports; the fields that apply to its kind are set. */
export interface ClientResult {
  id: string;
  error?: string;
  connected?: boolean;
  received?: string;
  resolved?: string[];
  /** node: dns.resolve4, which asks the resolver directly (c-ares) instead of getaddrinfo. */
  resolve4?: { resolved?: string[]; error?: string };
  /** tunnel: the proxy's answer to the CONNECT; the TLS outcome; the answers inside. */
  connect?: HttpAnswer | null;
  tlsError?: string;
  answers?: Array<HttpAnswer | null>;
  /** request: the final answer (or the proxy's refusal of the tunnel). */
  answer?: HttpAnswer | null;
  code?: number | null;
  stdout?: string;
  stderr?: string;
}

export const PYTHON_CLIENT = String.raw`
import json, os, socket, ssl, subprocess, sys, time, urllib.request, urllib.error
from urllib.parse import urlsplit

PROXY = urlsplit(os.environ.get('HTTPS_PROXY') or 'http://127.0.0.1:3128')
CA = os.environ.get('SSL_CERT_FILE')

def enc(s): return s.encode('latin1')
def dec(b): return b.decode('latin1')

def send_all(sock, send):
    if isinstance(send, str):
        sock.sendall(enc(send))
        return
    for piece in send:
        sock.sendall(enc(piece['data']))
        if piece.get('delayMs'): time.sleep(piece['delayMs'] / 1000)

def read_answer(sock, buf, no_body=False):
    """One HTTP response from sock (buf: bytes already read); returns (answer or None, leftover)."""
    sock.settimeout(5)
    try:
        while b'\r\n\r\n' not in buf:
            c = sock.recv(65536)
            if not c: break
            buf += c
    except (OSError, ssl.SSLError):
        pass
    if b'\r\n\r\n' not in buf:
        return None, buf
    head, rest = buf.split(b'\r\n\r\n', 1)
    lines = dec(head).split('\r\n')
    parts = lines[0].split(' ')
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers[k.strip().lower()] = v.strip()
    body = b''
    try:
        if no_body and status == 200:
            pass
        elif 'content-length' in headers:
            n = int(headers['content-length'])
            while len(rest) < n:
                c = sock.recv(65536)
                if not c: break
                rest += c
            body, rest = rest[:n], rest[n:]
        elif headers.get('transfer-encoding', '').lower() == 'chunked':
            while True:
                while b'\r\n' not in rest:
                    c = sock.recv(65536)
                    if not c: raise OSError('closed in a chunk')
                    rest += c
                size_line, rest = rest.split(b'\r\n', 1)
                size = int(size_line.split(b';')[0], 16)
                while len(rest) < size + 2:
                    c = sock.recv(65536)
                    if not c: raise OSError('closed in a chunk')
                    rest += c
                body += rest[:size]
                rest = rest[size + 2:]
                if size == 0: break
        elif status >= 200 and status not in (204, 304):
            while True:
                c = sock.recv(65536)
                if not c: break
                rest += c
            body, rest = rest, b''
    except (OSError, ssl.SSLError):
        pass
    return {'status': status, 'headers': headers, 'body': dec(body)}, rest

def proxy_socket():
    return socket.create_connection((PROXY.hostname, PROXY.port or 80), timeout=5)

def do_tcp(a):
    try:
        s = socket.create_connection((a['host'], a['port']), timeout=3)
    except OSError as e:
        return {'connected': False, 'error': '%s: %s' % (type(e).__name__, e)}
    got = b''
    try:
        if a.get('send'): s.sendall(enc(a['send']))
        s.settimeout(2)
        got = s.recv(65536)
    except OSError:
        pass
    s.close()
    return {'connected': True, 'received': dec(got)}

def do_udp(a):
    fam = socket.AF_INET6 if ':' in a['host'] else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(1)
    try:
        s.sendto(enc(a['send']), (a['host'], a['port']))
    except OSError as e:
        return {'connected': False, 'error': '%s: %s' % (type(e).__name__, e)}
    try:
        got = s.recv(65536)
        return {'connected': True, 'received': dec(got)}
    except OSError as e:
        # Sent (as far as this process can tell) but nothing came back: the decoy's record decides.
        return {'connected': True, 'error': 'no answer: %s' % e}

def do_unix(a):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(a['path'])
    except OSError as e:
        return {'connected': False, 'error': '%s: %s' % (type(e).__name__, e)}
    got = b''
    try:
        if a.get('send'): s.sendall(enc(a['send']))
        s.settimeout(2)
        got = s.recv(65536)
    except OSError:
        pass
    s.close()
    return {'connected': True, 'received': dec(got)}

def do_resolve(a):
    try:
        infos = socket.getaddrinfo(a['name'], 443, proto=socket.IPPROTO_TCP)
        return {'resolved': sorted(set(i[4][0] for i in infos))}
    except OSError as e:
        return {'error': '%s: %s' % (type(e).__name__, e)}

def do_proxy(a):
    try:
        s = proxy_socket()
    except OSError as e:
        return {'error': 'proxy: %s' % e}
    answers = []
    buf = b''
    try:
        send_all(s, a['send'])
    except OSError as e:
        return {'error': 'send: %s' % e, 'answers': answers}
    for _ in range(a.get('responses', 1)):
        ans, buf = read_answer(s, buf)
        answers.append(ans)
        if ans is None: break
    s.close()
    return {'answers': answers}

def do_tunnel(a):
    try:
        s = proxy_socket()
        s.sendall(enc('CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n' % (a['authority'], a['authority'])))
    except OSError as e:
        return {'error': 'proxy: %s' % e}
    connect, rest = read_answer(s, b'', no_body=True)
    out = {'connect': connect, 'answers': []}
    if connect is None or connect['status'] != 200:
        s.close()
        return out
    ctx = ssl.create_default_context(cafile=CA)
    ctx.set_alpn_protocols(['http/1.1'])
    if a['sni'] is None:
        ctx.check_hostname = False
    try:
        t = ctx.wrap_socket(s, server_hostname=a['sni'])
    except (OSError, ssl.SSLError) as e:
        out['tlsError'] = '%s: %s' % (type(e).__name__, e)
        return out
    buf = b''
    for r in a['requests']:
        try:
            send_all(t, r['send'])
        except (OSError, ssl.SSLError) as e:
            out['answers'].append(None)
            out['error'] = 'send: %s' % e
            break
        ans, buf = read_answer(t, buf)
        out['answers'].append(ans)
        if ans is None: break
    t.close()
    return out

class Pieces:
    """A request body urllib sends as it reads it (chunked), with the pauses between pieces."""
    def __init__(self, pieces): self.pieces = pieces
    def __iter__(self):
        for p in self.pieces:
            yield enc(p['data'])
            if p.get('delayMs'): time.sleep(p['delayMs'] / 1000)

def do_request(a):
    body = a.get('body')
    data = None
    headers = dict(a.get('headers') or {})
    if isinstance(body, str):
        data = enc(body)
    elif body is not None:
        data = Pieces(body)
        headers['Transfer-Encoding'] = 'chunked'
    req = urllib.request.Request(a['url'], data=data, headers=headers, method=a.get('method') or 'GET')
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return {'answer': {'status': res.status, 'headers': {k.lower(): v for k, v in res.getheaders()}, 'body': dec(res.read())}}
    except urllib.error.HTTPError as e:
        return {'answer': {'status': e.code, 'headers': {k.lower(): v for k, v in e.headers.items()}, 'body': dec(e.read())}}
    except (urllib.error.URLError, OSError) as e:
        return {'error': '%s: %s' % (type(e).__name__, getattr(e, 'reason', e))}

def do_cmd(a):
    try:
        p = subprocess.run(a['argv'], input=enc(a.get('input', '')), capture_output=True,
                           timeout=a.get('timeoutMs', 15000) / 1000)
        return {'code': p.returncode, 'stdout': dec(p.stdout), 'stderr': dec(p.stderr)}
    except FileNotFoundError as e:
        return {'code': None, 'error': 'not installed: %s' % e}
    except subprocess.TimeoutExpired as e:
        return {'code': None, 'error': 'timed out', 'stdout': dec(e.stdout or b''), 'stderr': dec(e.stderr or b'')}

KINDS = {'tcp': do_tcp, 'udp': do_udp, 'unix': do_unix, 'resolve': do_resolve, 'proxy': do_proxy,
         'tunnel': do_tunnel, 'request': do_request, 'cmd': do_cmd}

for a in json.load(sys.stdin):
    try:
        r = KINDS[a['kind']](a)
    except Exception as e:
        r = {'error': 'client failed: %s: %s' % (type(e).__name__, e)}
    r['id'] = a['id']
    print(json.dumps(r), flush=True)
`;

// Node 18 (the image's Debian nodejs) and 20 (the host's, under bubblewrap): CommonJS, no template
// strings (this source is itself one).
export const NODE_CLIENT = String.raw`
const net = require('net'), tls = require('tls'), http = require('http');
const dgram = require('dgram'), dns = require('dns');
const PROXY = new URL(process.env.HTTPS_PROXY || 'http://127.0.0.1:3128');
const P = { host: PROXY.hostname, port: Number(PROXY.port || 80) };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = (s) => Buffer.from(s, 'latin1');
const errText = (e) => (e && (e.code ? e.code + ': ' : '') + e.message) || String(e);

async function sendAll(sock, send) {
  if (typeof send === 'string') return void sock.write(enc(send));
  for (const p of send) {
    sock.write(enc(p.data));
    if (p.delayMs) await sleep(p.delayMs);
  }
}

/** Reads one HTTP answer from a socket: resolves {answer, rest}. */
function readAnswer(sock, buf, noBody) {
  return new Promise((resolve) => {
    let data = buf;
    let head = null;
    let done = false;
    const finish = (answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('close', onEnd);
      sock.off('error', onEnd);
      resolve(answer);
    };
    const timer = setTimeout(() => onEnd(), 5000);
    const tryParse = (ended) => {
      if (!head) {
        const i = data.indexOf('\r\n\r\n');
        if (i < 0) return ended ? finish({ answer: null, rest: data }) : undefined;
        const lines = data.slice(0, i).toString('latin1').split('\r\n');
        const status = Number(lines[0].split(' ')[1]) || 0;
        const headers = {};
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
        }
        head = { status, headers };
        data = data.slice(i + 4);
      }
      const h = head.headers;
      if (noBody && head.status === 200)
        return finish({ answer: { ...head, body: '' }, rest: data });
      if (h['content-length'] !== undefined) {
        const n = Number(h['content-length']);
        if (data.length >= n || ended)
          return finish({ answer: { ...head, body: data.slice(0, n).toString('latin1') }, rest: data.slice(n) });
        return;
      }
      if ((h['transfer-encoding'] || '').toLowerCase() === 'chunked') {
        let body = Buffer.alloc(0);
        let at = 0;
        for (;;) {
          const nl = data.indexOf('\r\n', at);
          if (nl < 0) break;
          const size = parseInt(data.slice(at, nl).toString('latin1'), 16);
          if (data.length < nl + 2 + size + 2) break;
          body = Buffer.concat([body, data.slice(nl + 2, nl + 2 + size)]);
          at = nl + 2 + size + 2;
          if (size === 0)
            return finish({ answer: { ...head, body: body.toString('latin1') }, rest: data.slice(at) });
        }
        if (ended) finish({ answer: { ...head, body: body.toString('latin1') }, rest: Buffer.alloc(0) });
        return;
      }
      if (head.status === 204 || head.status === 304 || head.status < 200)
        return finish({ answer: { ...head, body: '' }, rest: data });
      if (ended) finish({ answer: { ...head, body: data.toString('latin1') }, rest: Buffer.alloc(0) });
    };
    const onData = (c) => {
      data = Buffer.concat([data, c]);
      tryParse(false);
    };
    const onEnd = () => tryParse(true);
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('close', onEnd);
    sock.on('error', onEnd);
    tryParse(false);
  });
}

function connectTo(opts, timeoutMs) {
  return new Promise((resolve) => {
    const s = net.connect(opts);
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ error: 'timed out' });
    }, timeoutMs || 3000);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket: s });
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      resolve({ error: errText(e) });
    });
  });
}

async function direct(opts, send) {
  const c = await connectTo(opts);
  if (c.error) return { connected: false, error: c.error };
  const s = c.socket;
  if (send) s.write(enc(send));
  const got = await new Promise((resolve) => {
    let out = Buffer.alloc(0);
    const t = setTimeout(() => resolve(out), 2000);
    s.on('data', (d) => (out = Buffer.concat([out, d])));
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.on('error', () => undefined);
  });
  s.destroy();
  return { connected: true, received: got.toString('latin1') };
}

async function tunnelSocket(authority) {
  const c = await connectTo(P, 5000);
  if (c.error) return { error: 'proxy: ' + c.error };
  c.socket.write(enc('CONNECT ' + authority + ' HTTP/1.1\r\nHost: ' + authority + '\r\n\r\n'));
  const r = await readAnswer(c.socket, Buffer.alloc(0), true);
  return { socket: c.socket, connect: r.answer, rest: r.rest };
}

function tlsOver(socket, sni) {
  return new Promise((resolve) => {
    const opts = { socket, ALPNProtocols: ['http/1.1'] };
    if (sni !== null) opts.servername = sni;
    else opts.checkServerIdentity = () => undefined;
    const t = tls.connect(opts);
    t.once('secureConnect', () => resolve({ tls: t }));
    t.once('error', (e) => resolve({ error: errText(e) }));
  });
}

const kinds = {
  tcp: (a) => direct({ host: a.host, port: a.port }, a.send),
  unix: (a) => direct({ path: a.path }, a.send),
  udp: (a) =>
    new Promise((resolve) => {
      const s = dgram.createSocket(a.host.includes(':') ? 'udp6' : 'udp4');
      const t = setTimeout(() => {
        s.close();
        resolve({ connected: true, error: 'no answer' });
      }, 1000);
      s.on('message', (m) => {
        clearTimeout(t);
        s.close();
        resolve({ connected: true, received: m.toString('latin1') });
      });
      s.send(enc(a.send), a.port, a.host, (e) => {
        if (!e) return;
        clearTimeout(t);
        s.close();
        resolve({ connected: false, error: errText(e) });
      });
    }),
  resolve: async (a) => {
    const out = {};
    try {
      out.resolved = (await dns.promises.lookup(a.name, { all: true })).map((x) => x.address);
    } catch (e) {
      out.error = errText(e);
    }
    try {
      const r = new dns.promises.Resolver({ timeout: 1500, tries: 1 });
      out.resolve4 = { resolved: await r.resolve4(a.name) };
    } catch (e) {
      out.resolve4 = { error: errText(e) };
    }
    return out;
  },
  proxy: async (a) => {
    const c = await connectTo(P, 5000);
    if (c.error) return { error: 'proxy: ' + c.error };
    const answers = [];
    await sendAll(c.socket, a.send);
    let rest = Buffer.alloc(0);
    for (let i = 0; i < (a.responses || 1); i++) {
      const r = await readAnswer(c.socket, rest, false);
      answers.push(r.answer);
      rest = r.rest;
      if (!r.answer) break;
    }
    c.socket.destroy();
    return { answers };
  },
  tunnel: async (a) => {
    const t = await tunnelSocket(a.authority);
    if (t.error) return { error: t.error };
    const out = { connect: t.connect, answers: [] };
    if (!t.connect || t.connect.status !== 200) {
      t.socket.destroy();
      return out;
    }
    const s = await tlsOver(t.socket, a.sni);
    if (s.error) {
      out.tlsError = s.error;
      t.socket.destroy();
      return out;
    }
    let rest = Buffer.alloc(0);
    for (const r of a.requests) {
      await sendAll(s.tls, r.send);
      const got = await readAnswer(s.tls, rest, false);
      out.answers.push(got.answer);
      rest = got.rest;
      if (!got.answer) break;
    }
    s.tls.destroy();
    return out;
  },
  request: async (a) => {
    const u = new URL(a.url);
    const headers = Object.assign({}, a.headers || {});
    let createConnection;
    if (u.protocol === 'https:') {
      const authority = u.port ? u.host : u.host + ':443';
      const t = await tunnelSocket(authority);
      if (t.error) return { error: t.error };
      if (!t.connect || t.connect.status !== 200) {
        t.socket.destroy();
        return { answer: t.connect, error: 'tunnel to ' + authority + ' refused' };
      }
      const s = await tlsOver(t.socket, u.hostname.replace(/^\[|\]$/g, ''));
      if (s.error) return { tlsError: s.error };
      createConnection = () => s.tls;
    }
    // node:http would name the proxy (or, over createConnection, "localhost") in Host; a client
    // through a forward proxy names its target.
    if (headers.host === undefined) headers.host = u.host;
    return new Promise((resolve) => {
      const opts = createConnection
        ? { createConnection, method: a.method || 'GET', path: u.pathname + u.search, headers }
        : { host: P.host, port: P.port, method: a.method || 'GET', path: a.url, headers };
      const req = http.request(opts, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            answer: { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') },
          }),
        );
        res.on('error', (e) => resolve({ error: errText(e) }));
      });
      req.on('error', (e) => resolve({ error: errText(e) }));
      const body = a.body;
      if (body === undefined) return void req.end();
      if (typeof body === 'string') return void req.end(enc(body));
      (async () => {
        for (const p of body) {
          req.write(enc(p.data));
          if (p.delayMs) await sleep(p.delayMs);
        }
        req.end();
      })();
    });
  },
};

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', async () => {
  for (const a of JSON.parse(input)) {
    let r;
    try {
      const k = kinds[a.kind];
      r = k ? await k(a) : { error: 'no such kind in the node client: ' + a.kind };
    } catch (e) {
      r = { error: 'client failed: ' + errText(e) };
    }
    r.id = a.id;
    process.stdout.write(JSON.stringify(r) + '\n');
  }
  process.exit(0);
});
`;
