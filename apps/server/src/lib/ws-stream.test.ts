import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { InternalError, UserError } from './errors';
import { CLOSE_TOO_SLOW, bridgeTty, errorMessageFor, pumpLines, readControl } from './ws-stream';

// Real sockets on loopback: the pump and the bridge are judged by what a client receives.

let wss: WebSocketServer;
let url: string;
let onServerSocket: (s: WebSocket) => void = () => {};

before(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (s) => onServerSocket(s));
  await once(wss, 'listening');
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
});
after(() => wss.close());

/** A client and the server's end of it, handed to `serve` as soon as it connects. */
async function connect(serve: (s: WebSocket) => void): Promise<{
  client: WebSocket;
  texts: unknown[];
  binary: Buffer[];
  closed: Promise<number>;
}> {
  onServerSocket = serve;
  const client = new WebSocket(url);
  const texts: unknown[] = [];
  const binary: Buffer[] = [];
  client.on('message', (data: Buffer, isBinary) => {
    if (isBinary) binary.push(data);
    else texts.push(JSON.parse(data.toString('utf8')));
  });
  const closed = once(client, 'close').then(([code]) => code as number);
  await once(client, 'open');
  return { client, texts, binary, closed };
}

function* items(n: number, each = (i: number) => `line ${i}`) {
  for (let i = 0; i < n; i++) yield each(i);
}

/** A source like the engine's: an async iterable (a sync one fed through for-await). */
const toAsync = <T>(it: Iterable<T>): AsyncIterable<T> => ({
  [Symbol.asyncIterator]: () => {
    const i = it[Symbol.iterator]();
    return { next: () => Promise.resolve(i.next()) };
  },
});

void describe('pumpLines', () => {
  void it('sends batches of at most batchItems, then the end message, then closes 1000', async () => {
    const { texts, closed } = await connect(
      (s) =>
        void pumpLines(s, () => Promise.resolve(toAsync(items(1234))), {
          batchItems: 500,
          frame: (lines) => ({ type: 'lines', lines }),
          end: () => ({ type: 'end' }),
        }),
    );
    assert.equal(await closed, 1000);
    const frames = texts as { type: string; lines?: string[] }[];
    assert.deepEqual(
      frames.map((f) => f.lines?.length ?? f.type),
      [500, 500, 234, 'end'],
    );
    assert.equal(frames[2]?.lines?.at(-1), 'line 1233');
  });

  void it('aborts the source when the client goes away', async () => {
    let signal: AbortSignal | undefined;
    let pumped: Promise<void> = Promise.resolve();
    const { client } = await connect((s) => {
      pumped = pumpLines(
        s,
        (sig) => {
          signal = sig;
          // A source that never ends by itself, like `follow` on a running container.
          return Promise.resolve(
            (async function* () {
              while (!sig.aborted) {
                yield 'tick';
                await new Promise((r) => setTimeout(r, 5));
              }
            })(),
          );
        },
        { frame: (lines) => ({ lines }), end: () => ({ type: 'end' }) },
      );
    });
    await new Promise((r) => setTimeout(r, 50));
    client.close();
    await pumped;
    assert.equal(signal?.aborted, true);
  });

  void it('closes a client that stops reading with 1013 instead of buffering without bound', async () => {
    let aborted: AbortSignal | undefined;
    const big = 'x'.repeat(64 * 1024);
    const { client, closed } = await connect(
      (s) =>
        void pumpLines(
          s,
          (sig) => {
            aborted = sig;
            return Promise.resolve(toAsync(items(4000, () => big))); // 256 MiB if it were all buffered
          },
          {
            batchItems: 1,
            maxBuffered: 256 * 1024,
            frame: (lines) => ({ lines }),
            end: () => ({ type: 'end' }),
          },
        ),
    );
    // The client stops reading: its socket fills and the server's unsent data grows.
    (client as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    await new Promise((r) => setTimeout(r, 1500));
    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    assert.equal(await closed, CLOSE_TOO_SLOW);
    assert.equal(aborted?.aborted, true);
  });

  void it("says an AppError's words and hides anything else", async () => {
    const run = async (err: Error) => {
      const { texts, closed } = await connect(
        (s) =>
          void pumpLines(s, () => Promise.reject(err), {
            frame: (lines) => ({ lines }),
            end: () => ({ type: 'end' }),
          }),
      );
      await closed;
      return texts;
    };
    assert.deepEqual(await run(new UserError(404, 'not_found', 'No such container.')), [
      { type: 'error', code: 'not_found', message: 'No such container.' },
    ]);
    assert.deepEqual(await run(new Error('ECONNREFUSED /var/run/secret.sock')), [
      { type: 'error', code: 'internal', message: 'Internal error.' },
    ]);
    assert.deepEqual(errorMessageFor(new InternalError('SELECT * FROM users: disk I/O error')), {
      type: 'error',
      code: 'internal',
      message: 'Internal error.',
    });
    assert.deepEqual(errorMessageFor('a string'), {
      type: 'error',
      code: 'internal',
      message: 'Internal error.',
    });
  });
});

/** A terminal stand-in: what the bridge writes comes out of `input`; `output` is what the tty says. */
function fakeTty() {
  const input = new PassThrough();
  const output = new PassThrough();
  const tty = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      input.write(chunk);
      cb();
    },
  });
  output.on('data', (c: Buffer) => tty.push(c));
  output.on('end', () => tty.push(null));
  tty.pause();
  return { tty, input, output };
}

void describe('bridgeTty', () => {
  void it('carries bytes both ways, hands text frames to onControl, and ends once with its last message', async () => {
    const { tty, input, output } = fakeTty();
    const controls: string[] = [];
    let ends = 0;
    let bridged: Promise<void> = Promise.resolve();
    output.write('said before anyone listened\n'); // kept: the stream is handed over paused
    const { client, texts, binary, closed } = await connect((s) => {
      bridged = bridgeTty(s, tty, {
        onControl: (t) => controls.push(t),
        onEnd: () => {
          ends++;
          return Promise.resolve({ type: 'exit', code: 0 });
        },
      });
    });
    const typed: Buffer[] = [];
    input.on('data', (c: Buffer) => typed.push(c));
    client.send(Buffer.from('ls\n'));
    client.send(JSON.stringify({ type: 'resize', cols: 100, rows: 30 }));
    await new Promise((r) => setTimeout(r, 100));
    output.end('bye\n');
    assert.equal(await closed, 1000);
    await bridged;
    assert.equal(Buffer.concat(binary).toString(), 'said before anyone listened\nbye\n');
    assert.equal(Buffer.concat(typed).toString(), 'ls\n');
    assert.deepEqual(controls, ['{"type":"resize","cols":100,"rows":30}']);
    assert.deepEqual(texts, [{ type: 'exit', code: 0 }]);
    assert.equal(ends, 1);
    assert.equal(tty.destroyed, true);
  });

  void it('a client that closes ends the bridge and destroys the terminal stream', async () => {
    const { tty } = fakeTty();
    let ends = 0;
    let bridged: Promise<void> = Promise.resolve();
    const { client } = await connect((s) => {
      bridged = bridgeTty(s, tty, {
        onControl: () => {},
        onEnd: () => {
          ends++;
          return Promise.resolve(null);
        },
      });
    });
    client.terminate(); // a dropped connection, no close frame
    await bridged;
    assert.equal(ends, 1);
    assert.equal(tty.destroyed, true);
  });

  void it('a client already gone when the terminal opens still ends it', async () => {
    const { tty } = fakeTty();
    let ends = 0;
    let bridged: Promise<void> = Promise.resolve();
    const { client } = await connect((s) => {
      // The terminal takes a while to open; the client leaves meanwhile.
      s.once('close', () => {
        bridged = bridgeTty(s, tty, {
          onControl: () => {},
          onEnd: () => {
            ends++;
            return Promise.resolve(null);
          },
        });
      });
    });
    client.close();
    await new Promise((r) => setTimeout(r, 100));
    await bridged;
    assert.equal(ends, 1);
    assert.equal(tty.destroyed, true);
  });
});

void describe('readControl', () => {
  const Resize = z.object({ type: z.literal('resize'), cols: z.number() });
  void it('returns the message, or null for non-JSON and unknown messages', () => {
    assert.deepEqual(readControl(Resize, '{"type":"resize","cols":3}'), { type: 'resize', cols: 3 });
    assert.equal(readControl(Resize, '{"type":"resize"'), null);
    assert.equal(readControl(Resize, '{"type":"exec","cmd":"rm -rf /"}'), null);
    assert.equal(readControl(Resize, '{"__proto__":{"x":1},"type":"resize","cols":1}')?.cols, 1);
  });
});
