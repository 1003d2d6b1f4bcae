// The per-session CA: an ECDSA P-256 key made at session start (it leaves this process only for its
// own 0600 state file) and the leaf certificates it signs, one leaf key per session, one leaf per host,
// cached so a request never pays for minting after the first.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { buildCertificate, toPem, type AltName, type DistinguishedName } from './x509';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ORGANIZATION = 'Airlock';
/** A wildcard route can name many hosts; past this the oldest leaves are dropped (re-minted on use). */
const MAX_CACHED_LEAVES = 2048;

const newKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/** The 4 or 16 bytes of a canonical IP address (for an iPAddress subjectAltName). */
export function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  if (isIP(address) !== 6) throw new Error(`not an IP address: ${address}`);
  let text = address.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const b = ipBytes(v4[1]);
    text =
      text.slice(0, -v4[1].length) +
      `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export interface CaFiles {
  keyPem: string;
  certPem: string;
}

interface Leaf {
  context: SecureContext;
  renewAt: number;
}

export class SessionCa {
  readonly certPem: string;
  private readonly key: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly subject: DistinguishedName;
  private readonly leafKey = newKey();
  private readonly leafKeyPem: string;
  private readonly leaves = new Map<string, Leaf>();

  private constructor(key: KeyObject, certPem: string) {
    const cert = new X509Certificate(certPem);
    this.publicKey = createPublicKey(key);
    if (!cert.ca || !cert.checkPrivateKey(key)) throw new Error('the CA certificate does not match its key');
    this.key = key;
    this.certPem = certPem;
    this.subject = {
      commonName: /CN=([^\n]*)/.exec(cert.subject)?.[1] ?? 'Airlock CA',
      organization: ORGANIZATION,
    };
    this.leafKeyPem = this.leafKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  static create(label: string, now = Date.now()): SessionCa {
    const key = newKey();
    const dn = { commonName: `Airlock session CA ${label}`, organization: ORGANIZATION };
    const cert = buildCertificate({
      issuer: dn,
      subject: dn,
      notBefore: new Date(now - HOUR),
      notAfter: new Date(now + 30 * DAY),
      subjectPublicKey: createPublicKey(key),
      issuerKey: key,
      ca: true,
    });
    return new SessionCa(key, toPem(cert));
  }

  static load(files: CaFiles): SessionCa {
    return new SessionCa(createPrivateKey(files.keyPem), files.certPem);
  }

  /** For the state file only. */
  exportFiles(): CaFiles {
    return { keyPem: this.key.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: this.certPem };
  }

  /** A leaf for `host` (a normalised name or a canonical IP), signed now. */
  mintLeafPem(host: string, now = Date.now()): string {
    const altNames: AltName[] = isIP(host) ? [{ ip: ipBytes(host) }] : [{ dns: host }];
    const cert = buildCertificate({
      issuer: this.subject,
      subject: { commonName: host.slice(0, 64), organization: ORGANIZATION },
      notBefore: new Date(now - HOUR),
      notAfter: new Date(now + 7 * DAY),
      subjectPublicKey: createPublicKey(this.leafKey),
      issuerKey: this.key,
      issuerPublicKey: this.publicKey,
      ca: false,
      altNames,
    });
    return toPem(cert);
  }

  /** The TLS server context for `host`, from the cache when its leaf is still fresh. */
  leafContext(host: string): SecureContext {
    const now = Date.now();
    const cached = this.leaves.get(host);
    if (cached && cached.renewAt > now) return cached.context;
    const context = createSecureContext({ key: this.leafKeyPem, cert: this.mintLeafPem(host, now) });
    if (this.leaves.size >= MAX_CACHED_LEAVES) {
      const oldest = this.leaves.keys().next();
      if (!oldest.done) this.leaves.delete(oldest.value);
    }
    this.leaves.set(host, { context, renewAt: now + 6 * DAY });
    return context;
  }
}
