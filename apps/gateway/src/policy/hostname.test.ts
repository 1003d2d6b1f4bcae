import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeHost, printable } from './hostname';

const LOOPBACK_SPELLINGS = [
  '127.0.0.1',
  '127.0.0.1.',
  '127.1',
  '127.0.1',
  '2130706433',
  '0177.0.0.1',
  '0177.00.00.01',
  '00000177.0.0.1',
  '0177.1',
  '0177.0.1',
  '017700000001',
  '0x7f.0.0.1',
  '0X7F.0.0.1',
  '0x7f.1',
  '0x7f.0.1',
  '0x7f000001',
  '0x0000007f000001',
  '0x7f.0x0.0x0.0x1',
  '127.0x0.0.01',
  '0x7f.0.0x0.1',
  '127.0.0x1',
  '\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11',
];

const METADATA_SPELLINGS = [
  '169.254.169.254',
  '169.254.169.254.',
  '2852039166',
  '0xa9fea9fe',
  '0XA9FEA9FE',
  '0251.0376.0251.0376',
  '0xa9.0xfe.0xa9.0xfe',
  '169.254.43518',
  '169.16689662',
  '0xa9.0xfea9fe',
  '0251.0xfe.43518',
  '0251.254.0xa9.254',
  '025177524776',
];

describe('normalizeHost: IPv4 literals', () => {
  for (const [expected, spellings] of [
    ['127.0.0.1', LOOPBACK_SPELLINGS],
    ['169.254.169.254', METADATA_SPELLINGS],
  ] as const) {
    for (const s of spellings) {
      it(`${JSON.stringify(s)} is ${expected}`, () => {
        assert.deepEqual(normalizeHost(s), { ok: true, host: expected, ip: expected });
        // The table itself is checked against WHATWG URL, so it cannot drift from what clients dial.
        assert.equal(new URL(`http://${s}/`).hostname, expected);
      });
    }
  }

  for (const s of [
    'foo.123',
    'example.com.0x7f',
    'foo.0x',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.256',
    '1.2.65536',
    '1.16777216',
    '4294967296',
    '0x100000000',
    '0x100.0.0.1',
    '08.0.0.1',
    '1.2.3.09',
    '1..2.3',
    '1.2.3.4..',
    '0x7g.1',
  ]) {
    it(`${JSON.stringify(s)} is refused as an ambiguous or invalid address`, () => {
      const r = normalizeHost(s);
      assert.equal(r.ok, false, JSON.stringify(r));
    });
  }

  it('reads a name whose last label is not a number as a name', () => {
    assert.deepEqual(normalizeHost('123.example'), { ok: true, host: '123.example', ip: null });
    assert.deepEqual(normalizeHost('0x7f.example'), { ok: true, host: '0x7f.example', ip: null });
    assert.deepEqual(normalizeHost('example.1a'), { ok: true, host: 'example.1a', ip: null });
  });
});

describe('normalizeHost: IPv6 literals', () => {
  for (const [input, expected] of [
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['[::]', '::'],
    ['[::FFFF:127.0.0.1]', '::ffff:127.0.0.1'],
    ['[::ffff:7f00:1]', '::ffff:127.0.0.1'],
    ['[0:0:0:0:0:ffff:7f00:0001]', '::ffff:127.0.0.1'],
    ['[::127.0.0.1]', '::7f00:1'],
    ['[2001:DB8:0:0:1:0:0:1]', '2001:db8::1:0:0:1'],
    ['[2001:0db8::0001]', '2001:db8::1'],
    ['[2001:db8:0:0:0:0:2:1]', '2001:db8::2:1'],
    ['[2001:db8::1:0:0:0:1]', '2001:db8:0:1::1'],
    ['[1:0:0:0:0:0:0:0]', '1::'],
    ['[1:2:3:4:5:6:7:0]', '1:2:3:4:5:6:7:0'],
    ['[1::2:3:4:5:6:7]', '1:0:2:3:4:5:6:7'],
    ['[1:2:3:4:5:6:7::]', '1:2:3:4:5:6:7:0'],
    ['[64:ff9b::7f00:1]', '64:ff9b::7f00:1'],
    ['[2002:7f00:1::]', '2002:7f00:1::'],
  ] as const) {
    it(`${input} is ${expected}`, () => {
      assert.deepEqual(normalizeHost(input), { ok: true, host: expected, ip: expected });
    });
  }

  it('refuses zone ids, since a route cannot name one', () => {
    for (const s of ['fe80::1%eth0', '[fe80::1%25eth0]', '[fe80::1%eth0]']) {
      const r = normalizeHost(s);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, /zone id/);
    }
  });

  for (const s of [
    '[1:2:3:4:5:6:7:8:9]',
    '[1:2:3:4:5:6:7:8::]',
    '[1::2::3]',
    '[12345::]',
    '[::ffff:127.1]',
    '[::ffff:0127.0.0.1]',
    '[::ffff:1.2.3.4:5]',
    '[:1]',
    '[1:]',
    '[1:::2]',
    '[::1',
    '[]',
    '[127.0.0.1]',
    'example.com:443',
    ':::',
  ]) {
    it(`${JSON.stringify(s)} is refused`, () => assert.equal(normalizeHost(s).ok, false));
  }
});

describe('normalizeHost: names', () => {
  for (const [input, expected] of [
    ['Example.COM.', 'example.com'],
    ['BÜCHER.example.', 'xn--bcher-kva.example'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com', 'example.com'],
    ['example.com\u3002', 'example.com'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
    ['localhost', 'localhost'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ] as const) {
    it(`${JSON.stringify(input)} is ${expected}`, () => {
      assert.deepEqual(normalizeHost(input), { ok: true, host: expected, ip: null });
    });
  }

  it('allows 253 characters and no more', () => {
    const label = 'a'.repeat(61);
    const ok = [label, label, label, label, 'b', 'cd'].join('.');
    assert.equal(ok.length, 252);
    assert.equal(normalizeHost(`${ok}e`).ok, true);
    assert.equal(normalizeHost(`${ok}e.`).ok, true, 'the trailing dot does not count');
    assert.equal(normalizeHost(`${ok}ef`).ok, false);
  });

  for (const s of [
    '',
    '.',
    '..',
    'a..b',
    '.a.com',
    'a.com..',
    '-a.com',
    'a-.com',
    'a.-b.com',
    'a_b.com',
    'a b.com',
    'ex%41mple.com',
    '*.example.com',
    'evil.com\r\nX-Injected: 1',
    'evil.com/path',
    'user@evil.com',
    `${'a'.repeat(64)}.com`,
    'xn--zz.com',
    'xn--a.com',
    'a\u200db.com',
    'x'.repeat(5000),
  ]) {
    it(`${JSON.stringify(s.slice(0, 40))} is refused`, () => {
      const r = normalizeHost(s);
      assert.equal(r.ok, false, JSON.stringify(r));
      // eslint-disable-next-line no-control-regex -- asserting no control characters leak
      assert.doesNotMatch(r.ok ? '' : r.reason, /[\x00-\x1f\x7f]/);
    });
  }

  it('printable replaces what a terminal or header would act on', () => {
    assert.equal(printable('a\r\nb\u0000c\u202e'), 'a??b?c?');
    assert.equal(printable('x'.repeat(200)).length, 103);
  });
});
