import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { StdinReader, promptHiddenOnTty } from './io';

/** A PassThrough that looks enough like a TTY for the prompt: raw mode is recorded. */
function fakeTty(): {
  input: NodeJS.ReadStream;
  rawModes: boolean[];
  output: NodeJS.WriteStream;
  written: () => string;
} {
  const input = new PassThrough() as unknown as NodeJS.ReadStream & { setRawMode: (m: boolean) => void };
  const rawModes: boolean[] = [];
  input.setRawMode = (m: boolean) => {
    rawModes.push(m);
    return input;
  };
  let text = '';
  const output = new PassThrough() as unknown as NodeJS.WriteStream;
  output.on('data', (c: Buffer) => (text += c.toString()));
  return { input, rawModes, output, written: () => text };
}

void describe('promptHiddenOnTty', () => {
  void it('echoes nothing typed, handles backspace, restores the terminal', async () => {
    const t = fakeTty();
    const answer = promptHiddenOnTty('Password: ', t.input, t.output);
    t.input.push('hunter');
    t.input.push('3\u007f2');
    t.input.push('\r');
    assert.equal(await answer, 'hunter2');
    await new Promise((r) => setImmediate(r));
    assert.equal(t.written(), 'Password: \n');
    assert.deepEqual(t.rawModes, [true, false]);
  });

  void it('Ctrl-C cancels with an error and restores the terminal', async () => {
    const t = fakeTty();
    const answer = promptHiddenOnTty('Password: ', t.input, t.output);
    t.input.push('abc\u0003');
    await assert.rejects(answer, /Cancelled/);
    assert.deepEqual(t.rawModes, [true, false]);
  });
});

void describe('StdinReader', () => {
  void it('reads line by line, then the rest, without losing bytes between calls', async () => {
    const s = new PassThrough();
    const r = new StdinReader(s);
    s.write('first\r\nsec');
    const first = await r.readLine();
    s.end('ond\nthe rest\n');
    assert.equal(first, 'first');
    assert.equal(await r.readLine(), 'second');
    assert.equal(await r.readAll(), 'the rest\n');
    assert.equal(await r.readLine(), null);
  });
});
