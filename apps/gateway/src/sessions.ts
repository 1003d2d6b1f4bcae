// The sessions the gateway serves: for each, a unix socket in its own directory (the only thing a
// sandbox can reach), the session CA (its key kept in a 0600 file under the gateway's own state dir,
// so a restarted gateway presents the same CA the sandbox already trusts), the current compiled
// policy, and keep-alive agents toward upstreams. A session's identity is the socket a connection
// arrived on.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import path from 'node:path';
import type { SecureContext } from 'node:tls';
import type { GatewayEvent, SessionPolicy, SessionPutResult } from '@airlock/contract/gateway';
import { redactText } from '@airlock/dlp/redact';
import { CompiledPolicy } from './policy-state';
import { findInHead } from './proxy/transforms';
import type { BlockFacts, Proxy, ProxySession } from './proxy/proxy';
import { SessionCa } from './tls/ca';

const SUMMARY_EVERY_MS = 10_000;

class Session implements ProxySession {
  tunnels = 0;
  readonly sockets = new Set<Socket>();
  readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });
  private counts = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly id: string,
    public policy: CompiledPolicy,
    private readonly ca: SessionCa,
    readonly server: net.Server,
    private readonly emit: (e: GatewayEvent) => void,
  ) {
    this.timer = setInterval(() => this.flush(), SUMMARY_EVERY_MS);
    this.timer.unref();
  }

  leafContext(host: string): SecureContext {
    return this.ca.leafContext(host);
  }

  /**
   * A block goes to the server's audit log (append-only) and onto the session's page, which viewers
   * read. A sandbox that knows a secret can put it into the very fields a block reports (a CONNECT to
   * `<hex of the secret>.evil.example`, a path refused for exfiltration), so every reported field is
   * cleaned first: raw forms replaced with the secret's name, and a field that still carries one in
   * an encoded or percent-encoded form withheld whole.
   */
  blocked(f: BlockFacts): void {
    const m = this.policy.secretsMatcher();
    const clean = (s: string): string => {
      if (m.maxLen === 0 || s === '') return s;
      const out = redactText(s, m);
      return findInHead(m, Buffer.from(out)) ? '[withheld: it carried a secret]' : out;
    };
    this.emit({
      kind: 'blocked',
      session: this.id,
      at: new Date().toISOString(),
      ...f,
      host: clean(f.host),
      path: clean(f.path),
      reason: clean(f.reason),
    });
  }

  allowed(host: string): void {
    this.counts.set(host, (this.counts.get(host) ?? 0) + 1);
  }

  flush(): void {
    if (this.counts.size === 0) return;
    const counts = Object.fromEntries(this.counts);
    this.counts = new Map();
    this.emit({ kind: 'allowed', session: this.id, at: new Date().toISOString(), counts });
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
    this.server.close();
    for (const s of this.sockets) s.destroy();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

export class GatewaySessions {
  private readonly sessions = new Map<string, Session>();
  private readonly runDir: string;
  private readonly caDir: string;

  constructor(
    home: string,
    private readonly proxy: Proxy,
    private readonly emit: (e: GatewayEvent) => void,
  ) {
    this.runDir = path.join(home, 'run', 'sessions');
    this.caDir = path.join(home, 'gateway', 'ca');
    mkdirSync(this.runDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.caDir, { recursive: true, mode: 0o700 });
  }

  socketDir(id: string): string {
    return path.join(this.runDir, id);
  }

  /** Creates the session (socket, CA) when new; replaces its policy either way. Throws on a bad policy. */
  async put(id: string, source: SessionPolicy): Promise<SessionPutResult> {
    // Compiled first: an inconsistent policy is refused before anything changes.
    const policy = new CompiledPolicy(source);
    const existing = this.sessions.get(id);
    if (existing) {
      existing.policy = policy;
      return { socketPath: path.join(this.socketDir(id), 'gw.sock'), caCertPem: this.caFor(id).certPem };
    }
    const ca = this.caFor(id);
    const dir = this.socketDir(id);
    // The directory is bind-mounted into the sandbox, whose user is not ours: it must be able to enter
    // it and connect to the socket. Its parents (0700) keep every other local user out.
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    // Public, and read by the sandbox user (NODE_EXTRA_CA_CERTS names it): the process umask (077)
    // would leave a new file 0600, unreadable in a Docker sandbox, so the mode is set outright.
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem, { mode: 0o644 });
    chmodSync(caFile, 0o644);
    const socketPath = path.join(dir, 'gw.sock');
    if (existsSync(socketPath)) unlinkSync(socketPath);
    const server = net.createServer();
    const session = new Session(id, policy, ca, server, this.emit);
    server.on('connection', (socket) => {
      session.sockets.add(socket);
      socket.once('close', () => session.sockets.delete(socket));
      this.proxy.accept(session, socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(socketPath, 0o666);
    this.sessions.set(id, session);
    return { socketPath, caCertPem: ca.certPem };
  }

  remove(id: string): boolean {
    const s = this.sessions.get(id);
    s?.close();
    this.sessions.delete(id);
    rmSync(this.socketDir(id), { recursive: true, force: true });
    rmSync(path.join(this.caDir, `${id}.json`), { force: true });
    return s !== undefined;
  }

  list(): string[] {
    return [...this.sessions.keys()];
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private caFor(id: string): SessionCa {
    const file = path.join(this.caDir, `${id}.json`);
    if (existsSync(file)) {
      try {
        return SessionCa.load(JSON.parse(readFileSync(file, 'utf8')) as { keyPem: string; certPem: string });
      } catch {
        // A damaged state file: a new CA (the sandbox will need restarting to trust it).
      }
    }
    const ca = SessionCa.create(id);
    writeFileSync(file, JSON.stringify(ca.exportFiles()), { mode: 0o600 });
    return ca;
  }
}
