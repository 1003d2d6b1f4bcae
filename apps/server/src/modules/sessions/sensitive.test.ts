import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ENTRIES, sensitiveFor } from './sensitive';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBzaG93LW1lLXRoZS1wdWJsaWMta2V5LWZvci10ZXN0aW5nLW9ubHkAAAA',
  'AAAAAAAAAAAAAAABAAAAEHNlY3JldC1wcml2YXRlLWhhbGYtb2YtdGhlLWtleS0xMjM0NT',
  'Y3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXpBQkNERUZHSElKS0xNTk9QUVJTVFVW',
  'AAAAC2ZsZWV0LWtleQ==',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');

describe('sensitiveFor', () => {
  it('leaves out the session’s own credentials, short values and repeats', () => {
    const out = sensitiveFor(
      [
        { name: 'credential:mine', value: 'mine-0123456789' },
        { name: 'credential:other', value: 'other-0123456789' },
        { name: 'ssh:a:password', value: 'short' },
        { name: 'ssh:b:password', value: 'other-0123456789' },
      ],
      [{ value: 'mine-0123456789' }],
    );
    assert.deepEqual(out, [{ name: 'credential:other', value: 'other-0123456789' }]);
  });

  it('scans a PEM key by its body lines, not the shared first line, headers or the short tail', () => {
    const out = sensitiveFor([{ name: 'ssh:web:privateKey', value: KEY }], []);
    const lines = KEY.split('\n');
    assert.deepEqual(
      out.map((s) => s.value),
      [lines[2], lines[3], lines[4]],
    );
    assert.ok(out.every((s) => s.name === 'ssh:web:privateKey'));
  });

  it('caps the list at what the gateway accepts, and names at 64 characters', () => {
    const many = Array.from({ length: MAX_ENTRIES + 10 }, (_, i) => ({
      name: `credential:${'x'.repeat(80)}${i}`,
      value: `value-${i}-0123456789`,
    }));
    const out = sensitiveFor(many, []);
    assert.equal(out.length, MAX_ENTRIES);
    assert.ok(out.every((s) => s.name.length <= 64));
  });
});
