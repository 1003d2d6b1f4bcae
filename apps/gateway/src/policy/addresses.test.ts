import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AddressClass, classifyAddress, embeddedV4, isPublic } from './addresses';
import { normalizeHost } from './hostname';

const TABLE: [string, AddressClass][] = [
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['11.0.0.1', 'public'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['100.63.255.255', 'public'],
  ['100.64.0.0', 'cgnat'],
  ['100.127.255.255', 'cgnat'],
  ['100.128.0.0', 'public'],
  ['126.255.255.255', 'public'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.0.1', 'link-local'],
  ['169.254.169.254', 'link-local'],
  ['169.255.0.1', 'public'],
  ['172.15.255.255', 'public'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.0', 'public'],
  ['192.0.0.8', 'reserved'],
  ['192.0.1.1', 'public'],
  ['192.0.2.1', 'reserved'],
  ['192.168.1.1', 'private'],
  ['192.169.0.1', 'public'],
  ['198.17.255.255', 'public'],
  ['198.18.0.1', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['198.20.0.0', 'public'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['223.255.255.255', 'public'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.255', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'broadcast'],

  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['fec0::1', 'private'],
  ['fc00::1', 'ula'],
  ['fd12:3456::1', 'ula'],
  ['ff02::1', 'multicast'],
  ['FF05::2', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['2001:db8:ffff::1', 'reserved'],
  ['100::1', 'reserved'],
  ['100::ffff:ffff:ffff:ffff', 'reserved'],
  ['100:0:0:1::1', 'reserved'],
  ['3fff::1', 'reserved'],
  ['3fff:0fff::1', 'reserved'],
  ['3fff:1000::1', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001::200e', 'public'],
  ['4000::1', 'reserved'],
  ['::ffff:0:7f00:1', 'reserved'],

  // IPv6 spellings of IPv4 take the IPv4's class.
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::127.0.0.1', 'loopback'],
  ['::7f00:1', 'loopback'],
  ['64:ff9b::7f00:1', 'loopback'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b:1::7f00:1', 'loopback'],
  ['2002:7f00:1::', 'loopback'],
  ['2002:7f00:1:1234::5', 'loopback'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'],
  ['2001::80ff:fffe', 'loopback'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['64:ff9b::a9fe:a9fe', 'link-local'],
  ['2002:a9fe:a9fe::', 'link-local'],
  ['2001:0:4136:e378:8000:63bf:5601:5601', 'link-local'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:100.64.0.1', 'cgnat'],
  ['2002:c0a8:101::1', 'private'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['::2', 'unspecified'],
  ['::ffff:224.0.0.1', 'multicast'],
  ['::ffff:255.255.255.255', 'broadcast'],
  ['::ffff:8.8.8.8', 'public'],
  ['64:ff9b::808:808', 'public'],
  ['2002:808:808::1', 'public'],
  ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'public'],
  // Not globally reachable whatever they carry.
  ['::8.8.8.8', 'reserved'],
  ['64:ff9b:1::808:808', 'reserved'],

  // Not an address: fails closed.
  ['not-an-ip', 'reserved'],
  ['', 'reserved'],
  ['127.1', 'reserved'],
  ['fe80::1%eth0', 'reserved'],
];

describe('classifyAddress', () => {
  for (const [ip, cls] of TABLE) {
    it(`${ip || '(empty)'} is ${cls}`, () => {
      assert.equal(classifyAddress(ip), cls);
      assert.equal(isPublic(ip), cls === 'public');
    });
  }

  it('classifies every bracketed spelling of an IPv6 loopback as loopback, through normalizeHost', () => {
    for (const s of [
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[64:ff9b::7f00:1]',
      '[64:ff9b:1::7f00:1]',
      '[2002:7f00:1::]',
      '[::127.0.0.1]',
      '[2001:0:4136:e378:8000:63bf:80ff:fffe]',
      '[2001::80ff:fffe]',
      '[::1]',
      '[0::01]',
    ]) {
      const n = normalizeHost(s);
      assert.ok(n.ok && n.ip !== null, s);
      assert.equal(classifyAddress(n.ip), 'loopback', s);
    }
  });
});

describe('embeddedV4', () => {
  for (const [ip, v4] of [
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:a9fe:a9fe', '169.254.169.254'],
    ['::10.1.2.3', '10.1.2.3'],
    ['2002:c000:0201::1', '192.0.2.1'],
    ['64:ff9b::c000:201', '192.0.2.1'],
    ['64:ff9b:1::c000:201', '192.0.2.1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '192.0.2.45'],
    ['::', null],
    ['::1', null],
    ['2606:4700::1111', null],
    ['fe80::1', null],
    ['1.2.3.4', null],
    ['garbage', null],
  ] as const) {
    it(`${ip} carries ${v4}`, () => assert.equal(embeddedV4(ip), v4));
  }
});
