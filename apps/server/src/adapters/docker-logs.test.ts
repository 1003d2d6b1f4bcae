import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLines, LogDemuxer, MAX_LINE_BYTES } from './docker-logs';

const frame = (type: number, text: string | Buffer) => {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
};

describe('LogDemuxer', () => {
  it('labels stdout and stderr frames and splits lines', () => {
    const d = new LogDemuxer(false, false);
    const out = d.push(Buffer.concat([frame(1, 'a\nb\n'), frame(2, 'oops\n')]));
    assert.deepEqual(out, [
      { stream: 'stdout', ts: null, line: 'a' },
      { stream: 'stdout', ts: null, line: 'b' },
      { stream: 'stderr', ts: null, line: 'oops' },
    ]);
  });

  it('survives headers, lines and UTF-8 characters split across chunks', () => {
    const d = new LogDemuxer(false, false);
    const bytes = Buffer.concat([frame(1, 'hé'), frame(2, 'e1\n'), frame(1, Buffer.from('llo wörld\n'))]);
    const got = [];
    for (let i = 0; i < bytes.length; i++) got.push(...d.push(bytes.subarray(i, i + 1)));
    got.push(...d.flush());
    assert.deepEqual(got, [
      { stream: 'stderr', ts: null, line: 'e1' },
      { stream: 'stdout', ts: null, line: 'héllo wörld' },
    ]);
  });

  it('TTY streams are raw stdout; CRLF is trimmed; flush emits the last partial line', () => {
    const d = new LogDemuxer(true, false);
    assert.deepEqual(d.push(Buffer.from('one\r\ntw')), [{ stream: 'stdout', ts: null, line: 'one' }]);
    assert.deepEqual(d.flush(), [{ stream: 'stdout', ts: null, line: 'tw' }]);
  });

  it('falls back to raw when the bytes are not frames', () => {
    const d = new LogDemuxer(false, false);
    assert.deepEqual(d.push(Buffer.from('plain text output\n')), [
      { stream: 'stdout', ts: null, line: 'plain text output' },
    ]);
  });

  it('splits timestamps off, and only real timestamps', () => {
    const d = new LogDemuxer(false, true);
    assert.deepEqual(d.push(frame(1, '2025-01-02T03:04:05.123456789Z hello world\nnot-a-time x\n')), [
      { stream: 'stdout', ts: '2025-01-02T03:04:05.123456789Z', line: 'hello world' },
      { stream: 'stdout', ts: null, line: 'not-a-time x' },
    ]);
  });

  it('caps a line without newline at MAX_LINE_BYTES', () => {
    const d = new LogDemuxer(true, false);
    const out = d.push(Buffer.alloc(MAX_LINE_BYTES + 10, 0x61));
    assert.equal(out.length, 1);
    assert.equal(out[0]?.line.length, MAX_LINE_BYTES + 10);
    assert.deepEqual(d.flush(), []);
  });

  it('emits a huge frame as it arrives instead of holding it until its declared end', () => {
    // A header that declares 4 GiB, then lines: a follower must see them now, not after 4 GiB.
    const d = new LogDemuxer(false, false);
    const header = Buffer.alloc(8);
    header[0] = 2;
    header.writeUInt32BE(0xffffffff, 4);
    const line = Buffer.from(`${'e'.repeat(1023)}\n`);
    let lines = d.push(header).length;
    for (let i = 0; i < 1024; i++) lines += d.push(line).length;
    assert.equal(lines, 1024);
    assert.deepEqual(d.push(Buffer.from('tail')), []);
    assert.deepEqual(d.flush(), [{ stream: 'stderr', ts: null, line: 'tail' }]);
  });

  it('frame headers and payloads split at any byte still demultiplex', () => {
    const all = Buffer.concat([
      frame(1, 'out one\n'),
      frame(2, 'err one\n'),
      frame(1, ''),
      frame(1, 'out two\n'),
    ]);
    const d = new LogDemuxer(false, false);
    const out = [];
    for (const b of all) out.push(...d.push(Buffer.from([b])));
    assert.deepEqual(out, [
      { stream: 'stdout', ts: null, line: 'out one' },
      { stream: 'stderr', ts: null, line: 'err one' },
      { stream: 'stdout', ts: null, line: 'out two' },
    ]);
  });
});

describe('JsonLines', () => {
  it('parses objects split across chunks', () => {
    const j = new JsonLines();
    assert.deepEqual(j.push('{"a":1}\n{"b"'), [{ a: 1 }]);
    assert.deepEqual(j.push(':2}\n'), [{ b: 2 }]);
  });
  it('refuses an endless line', () => {
    assert.throws(() => new JsonLines().push('x'.repeat(1024 * 1024 + 1)));
  });
});
