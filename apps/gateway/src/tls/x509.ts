// X.509 v3 certificates for the session CA and its leaves (RFC 5280), ECDSA P-256 + SHA-256.
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import * as der from './der';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

export interface DistinguishedName {
  commonName: string;
  organization: string;
}

export type AltName = { dns: string } | { ip: Buffer };

export interface CertificateSpec {
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKey: KeyObject;
  issuerKey: KeyObject;
  /** The issuer's public key (for the authority key identifier); absent for a self-signed CA. */
  issuerPublicKey?: KeyObject;
  ca: boolean;
  altNames?: AltName[];
}

function name(dn: DistinguishedName): Buffer {
  const rdn = (oid: string, value: string) =>
    der.set(der.sequence(der.objectIdentifier(oid), der.utf8String(value)));
  return der.sequence(rdn(OID.organization, dn.organization), rdn(OID.commonName, dn.commonName));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(
    der.objectIdentifier(oid),
    ...(critical ? [der.boolean(true)] : []),
    der.octetString(value),
  );
}

/** SHA-1 of the whole SubjectPublicKeyInfo (a key identifier needs only be unique, RFC 7093). */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

function serialNumber(): Buffer {
  const b = randomBytes(16);
  // Positive, and a non-zero leading byte keeps the DER minimal at 16 bytes.
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40;
  return der.unsignedInteger(b);
}

function extensions(spec: CertificateSpec, subjectPublic: KeyObject): Buffer[] {
  if (spec.ca) {
    return [
      extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
      extension(OID.keyUsage, true, der.namedBits([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
      extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(subjectPublic))),
    ];
  }
  const issuerPublic = spec.issuerPublicKey;
  if (!issuerPublic) throw new Error('a leaf certificate needs its issuer public key');
  const alt = (spec.altNames ?? []).map((a) =>
    'dns' in a ? der.implicitPrimitive(2, Buffer.from(a.dns, 'ascii')) : der.implicitPrimitive(7, a.ip),
  );
  return [
    extension(OID.basicConstraints, false, der.sequence()),
    extension(OID.keyUsage, true, der.namedBits([KEY_USAGE.digitalSignature])),
    extension(OID.extKeyUsage, false, der.sequence(der.objectIdentifier(OID.serverAuth))),
    ...(alt.length ? [extension(OID.subjectAltName, false, der.sequence(...alt))] : []),
    extension(
      OID.authorityKeyIdentifier,
      false,
      der.sequence(der.implicitPrimitive(0, keyIdentifier(issuerPublic))),
    ),
  ];
}

/** Builds and signs a certificate; returns it in DER. */
export function buildCertificate(spec: CertificateSpec): Buffer {
  const subjectPublic = spec.subjectPublicKey;
  const algorithm = der.sequence(der.objectIdentifier(OID.ecdsaWithSha256));
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    serialNumber(),
    algorithm,
    name(spec.issuer),
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    name(spec.subject),
    subjectPublic.export({ type: 'spki', format: 'der' }),
    der.explicit(3, der.sequence(...extensions(spec, subjectPublic))),
  );
  const signature = sign('sha256', tbs, spec.issuerKey);
  return der.sequence(tbs, algorithm, der.bitString(signature));
}

export function toPem(certDer: Buffer): string {
  const b64 = certDer.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}
