import { hostname } from 'node:os';
import { CliError } from './errors';

export type ForwardedSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/**
 * Everything a command touches outside its arguments. `run()` takes it as a parameter so tests
 * drive the CLI in-process with fake terminals, environments and signals.
 */
export interface Io {
  /** Write to standard output. */
  out(text: string): void;
  /** Write to standard error (messages, prompts). */
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Stdin is a terminal we can prompt on. */
  interactive: boolean;
  /** Asks on the terminal without echoing what is typed. Only called when `interactive`. */
  promptHidden(question: string): Promise<string>;
  /** Next line of stdin without its line ending; null at end of input. */
  readLine(): Promise<string | null>;
  /** The rest of stdin. */
  readAll(): Promise<string>;
  hostname(): string;
  /** Path of the server bundle `airlock serve` starts. */
  serverEntry: string;
  /** Subscribes to a process signal; returns the unsubscribe function. */
  onSignal(signal: ForwardedSignal, handler: () => void): () => void;
}

/** Buffers stdin so successive line reads (and a final read of the rest) see every byte once. */
export class StdinReader {
  private buffered = '';
  private ended = false;
  private waiters: (() => void)[] = [];
  private started = false;

  constructor(private readonly stream: NodeJS.ReadableStream) {}

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.stream.setEncoding('utf8');
    this.stream.on('data', (chunk: string) => {
      this.buffered += chunk;
      this.wake();
    });
    this.stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.stream.on('error', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async waitForMore(): Promise<void> {
    this.start();
    this.stream.resume();
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async readLine(): Promise<string | null> {
    for (;;) {
      const nl = this.buffered.indexOf('\n');
      if (nl >= 0) {
        const line = this.buffered.slice(0, nl).replace(/\r$/, '');
        this.buffered = this.buffered.slice(nl + 1);
        this.stream.pause();
        return line;
      }
      if (this.ended) {
        if (this.buffered === '') return null;
        const line = this.buffered;
        this.buffered = '';
        return line;
      }
      await this.waitForMore();
    }
  }

  async readAll(): Promise<string> {
    while (!this.ended) await this.waitForMore();
    const all = this.buffered;
    this.buffered = '';
    return all;
  }
}

/** Reads a line from a raw-mode terminal, echoing nothing. Ctrl-C or Ctrl-D on an empty line cancel. */
export function promptHiddenOnTty(
  question: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let value = '';
    output.write(question);
    input.setRawMode(true);
    input.setEncoding('utf8');
    const finish = (err: Error | null): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      // Keys like the arrows arrive as one escape sequence per chunk; they edit nothing here.
      if (chunk.startsWith('\u001b')) return;
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003') return finish(new CliError('Cancelled.'));
        if (ch === '\u0004') {
          if (value === '') return finish(new CliError('Cancelled.'));
          continue;
        }
        if (ch === '\u007f' || ch === '\b') {
          value = [...value].slice(0, -1).join('');
          continue;
        }
        if (ch < ' ') continue;
        value += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

export function processIo(serverEntry: string): Io {
  const stdin = new StdinReader(process.stdin);
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    interactive: process.stdin.isTTY === true,
    promptHidden: (question) => promptHiddenOnTty(question, process.stdin, process.stderr),
    readLine: () => stdin.readLine(),
    readAll: () => stdin.readAll(),
    hostname: () => hostname(),
    serverEntry,
    onSignal: (signal, handler) => {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
  };
}
