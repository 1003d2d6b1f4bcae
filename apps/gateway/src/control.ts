// The control channel: a unix socket (0600) the server connects to, one JSON message per line, each
// validated by the contract's schemas. The first message must be `hello` with the token the server
// handed this process on stdin; anything else closes the connection. Every request is answered with an
// `ack` of its seq; a request that fails validation changes nothing. Events (blocks, allowed summaries,
// errors) go to every authenticated connection.
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import {
  ControlRequest,
  GatewayLimits,
  type ControlReply,
  type GatewayEvent,
} from '@airlock/contract/gateway';
import type { Proxy } from './proxy/proxy';
import type { GatewaySessions } from './sessions';
import type { Upstreams } from './proxy/upstream';

/** A line longer than this is not a control message (a policy with 256 routes and 64 keys fits). */
const MAX_LINE = 8 * 1024 * 1024;

const digest = (s: string) => createHash('sha256').update(s).digest();

export class ControlServer {
  private readonly server = net.createServer((s) => this.onConnection(s));
  private readonly authed = new Set<Socket>();
  private readonly tokenDigest: Buffer;

  constructor(
    token: string,
    private readonly sessions: GatewaySessions,
    private readonly upstreams: Upstreams,
    private readonly proxy: Proxy,
  ) {
    this.tokenDigest = digest(token);
  }

  listen(socketPath: string): Promise<void> {
    if (existsSync(socketPath)) unlinkSync(socketPath);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        chmodSync(socketPath, 0o600);
        resolve();
      });
    });
  }

  event(event: GatewayEvent): void {
    const line = JSON.stringify({ type: 'event', event } satisfies ControlReply) + '\n';
    for (const s of this.authed) s.write(line);
  }

  close(): void {
    this.server.close();
    for (const s of this.authed) s.destroy();
  }

  private onConnection(socket: Socket): void {
    let buffered = '';
    let chain = Promise.resolve();
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.authed.delete(socket));
    // Unauthenticated connections get a few seconds to say hello.
    const helloTimer = setTimeout(() => {
      if (!this.authed.has(socket)) socket.destroy();
    }, 5000);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE) {
        this.reply(socket, {
          type: 'ack',
          seq: -1,
          ok: false,
          error: { code: 'invalid', message: 'message too long' },
        });
        return void socket.destroy();
      }
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        // One message at a time, in order: a put then a remove must not race.
        chain = chain.then(() => this.onLine(socket, line, helloTimer));
      }
    });
  }

  private reply(socket: Socket, r: ControlReply): void {
    if (!socket.destroyed) socket.write(JSON.stringify(r) + '\n');
  }

  private async onLine(socket: Socket, line: string, helloTimer: NodeJS.Timeout): Promise<void> {
    if (socket.destroyed || line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.reply(socket, {
        type: 'ack',
        seq: -1,
        ok: false,
        error: { code: 'invalid', message: 'not JSON' },
      });
      if (!this.authed.has(socket)) socket.destroy();
      return;
    }
    const parsed = ControlRequest.safeParse(json);
    const seq =
      typeof json === 'object' && json !== null && typeof (json as { seq?: unknown }).seq === 'number'
        ? (json as { seq: number }).seq
        : -1;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      this.reply(socket, {
        type: 'ack',
        seq,
        ok: false,
        error: { code: 'invalid', message: `${where}${issue?.message ?? 'invalid message'}` },
      });
      if (!this.authed.has(socket)) socket.destroy();
      return;
    }
    const msg = parsed.data;
    if (!this.authed.has(socket)) {
      const ok = msg.type === 'hello' && timingSafeEqual(digest(msg.token), this.tokenDigest);
      if (!ok) {
        this.reply(socket, {
          type: 'ack',
          seq,
          ok: false,
          error: { code: 'unauthenticated', message: 'say hello with the right token first' },
        });
        return void socket.destroy();
      }
      clearTimeout(helloTimer);
      this.authed.add(socket);
      return this.reply(socket, { type: 'ack', seq, ok: true });
    }
    try {
      const result = await this.apply(msg);
      this.reply(socket, { type: 'ack', seq, ok: true, result });
    } catch (err) {
      this.reply(socket, {
        type: 'ack',
        seq,
        ok: false,
        error: { code: 'invalid', message: err instanceof Error ? err.message : String(err) },
      });
    }
  }

  private async apply(msg: ControlRequest): Promise<unknown> {
    switch (msg.type) {
      case 'hello':
        return undefined;
      case 'configure':
        this.upstreams.configure(msg.upstreamOverrides, msg.extraCaPem);
        this.proxy.setLimits(GatewayLimits.parse(msg.limits));
        return undefined;
      case 'session.put':
        return this.sessions.put(msg.id, msg.policy);
      case 'session.remove':
        return { removed: this.sessions.remove(msg.id) };
      case 'session.list':
        return { ids: this.sessions.list() };
    }
  }
}
