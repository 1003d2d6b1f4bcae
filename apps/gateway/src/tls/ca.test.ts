import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, it } from 'node:test';
import { ipBytes, SessionCa } from './ca';
import * as der from './der';

describe('der', () => {
  it('encodes lengths, integers, OIDs and named bits the DER way', () => {
    assert.equal(der.octetString(Buffer.alloc(200)).subarray(0, 3).toString('hex'), '0481c8');
    assert.equal(der.unsignedInteger(Buffer.from([0x00, 0x00, 0x80])).toString('hex'), '02020080');
    assert.equal(der.smallInteger(2).toString('hex'), '020102');
    assert.equal(der.objectIdentifier('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
    assert.equal(der.namedBits([5, 6]).toString('hex'), '03020106');
    assert.equal(der.namedBits([0]).toString('hex'), '03020780');
    assert.equal(
      der
        .time(new Date(Date.UTC(2049, 0, 2, 3, 4, 5)))
        .toString('latin1')
        .slice(2),
      '490102030405Z',
    );
    assert.equal(
      der
        .time(new Date(Date.UTC(2050, 0, 2)))
        .toString('latin1')
        .slice(2),
      '20500102000000Z',
    );
  });
});

describe('session CA', () => {
  const ca = SessionCa.create('test');

  it('is a CA certificate, self-signed, valid for 30 days from an hour ago', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.verify(cert.publicKey), true);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.ok(days > 30 && days < 30.1, `validity ${days} days`);
  });

  it('signs leaves for a name and for an IP that check against the CA key', () => {
    const caCert = new X509Certificate(ca.certPem);
    const leaf = new X509Certificate(ca.mintLeafPem('api.example.com'));
    assert.equal(leaf.ca, false);
    assert.equal(leaf.verify(caCert.publicKey), true);
    assert.equal(leaf.checkIssued(caCert), true);
    assert.equal(leaf.checkHost('api.example.com'), 'api.example.com');
    assert.equal(leaf.checkHost('other.example.com'), undefined);
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    const ipLeaf = new X509Certificate(ca.mintLeafPem('10.1.2.3'));
    assert.equal(ipLeaf.checkIP('10.1.2.3'), '10.1.2.3');
    const v6Leaf = new X509Certificate(ca.mintLeafPem('2001:db8::1'));
    assert.equal(v6Leaf.checkIP('2001:db8::1'), '2001:db8::1');
  });

  it('reloads from its files with the same certificate and keeps signing verifiable leaves', () => {
    const again = SessionCa.load(ca.exportFiles());
    assert.equal(again.certPem, ca.certPem);
    const leaf = new X509Certificate(again.mintLeafPem('x.test'));
    assert.equal(leaf.checkIssued(new X509Certificate(ca.certPem)), true);
    assert.throws(() =>
      SessionCa.load({ keyPem: SessionCa.create('b').exportFiles().keyPem, certPem: ca.certPem }),
    );
  });

  it('completes a real TLS handshake that trusts only the CA, and caches the leaf context', async () => {
    assert.equal(ca.leafContext('localhost'), ca.leafContext('localhost'));
    const server = createServer({ SNICallback: (name, cb) => cb(null, ca.leafContext(name)) }, (s) =>
      s.end('hi'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const sock = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem });
      await once(sock, 'secureConnect');
      const [data] = (await once(sock, 'data')) as [Buffer];
      assert.equal(data.toString(), 'hi');
      sock.destroy();
      const bad = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: SessionCa.create('x').certPem,
      });
      const [err] = (await once(bad, 'error')) as [Error & { code?: string }];
      assert.match(String(err.code), /UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
    } finally {
      server.close();
    }
  });

  it('turns addresses into SAN bytes', () => {
    assert.equal(ipBytes('127.0.0.1').toString('hex'), '7f000001');
    assert.equal(ipBytes('::1').toString('hex'), '00000000000000000000000000000001');
    assert.equal(ipBytes('::ffff:1.2.3.4').toString('hex'), '00000000000000000000ffff01020304');
    assert.equal(ipBytes('2001:db8::').toString('hex'), '20010db8000000000000000000000000');
  });
});
