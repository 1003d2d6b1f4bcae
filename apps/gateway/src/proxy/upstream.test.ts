import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Upstreams } from './upstream';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

void describe('upstream dialling', () => {
  void it('an override with its own CA hands out one trust list, not a new one per tunnel', async () => {
    const u = new Upstreams();
    u.configure({
      'api.test': { address: '127.0.0.1:8443', caPem: PEM },
      'plain.test': { address: '127.0.0.1' },
    });
    const route = { host: 'api.test' };
    const a = await u.dial('api.test', null, 443, route);
    const b = await u.dial('api.test', null, 443, route);
    assert.ok('ca' in a && 'ca' in b);
    // The proxy caches a TLS context per list identity: the same array, every time.
    assert.equal(a.ca, b.ca);
    assert.equal(a.ca.at(-1), PEM);
    assert.deepEqual([a.address, a.port, a.overridden], ['127.0.0.1', 8443, true]);
    const p = await u.dial('plain.test', null, 443, { host: 'plain.test' });
    assert.ok('ca' in p);
    assert.ok(!p.ca.includes(PEM), "another override does not trust this one's CA");
    assert.equal(p.port, 443);
  });

  void it('a reconfigure replaces the lists (a changed CA is used at once)', async () => {
    const u = new Upstreams();
    u.configure({ 'api.test': { address: '127.0.0.1', caPem: PEM } });
    const before = await u.dial('api.test', null, 443, { host: 'api.test' });
    const other = PEM.replace('MIIB', 'MIIC');
    u.configure({ 'api.test': { address: '127.0.0.1', caPem: other } });
    const after = await u.dial('api.test', null, 443, { host: 'api.test' });
    assert.ok('ca' in before && 'ca' in after);
    assert.notEqual(before.ca, after.ca);
    assert.equal(after.ca.at(-1), other);
  });
});
