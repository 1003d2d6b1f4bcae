import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (SSH keys, passwords): AES-256-GCM under a key derived from the master key.
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. The `aad` names the record the
 * secret belongs to (e.g. `host:<id>:sshKey`), so a sealed value copied onto another record does not
 * open. Plaintext never appears in an error message.
 */

const VERSION = 'v1';
const HKDF_INFO = 'airlock vault v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

const B64URL = /^[A-Za-z0-9_-]*$/;

export class Vault {
  readonly #key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new VaultError('The vault master key must be 32 bytes.');
    // Purpose-bound key: the master key itself is never used directly for encryption.
    this.#key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), HKDF_INFO, 32));
  }

  seal(plaintext: string, aad: string): string {
    if (!aad) throw new VaultError('A sealed secret must be bound to a record (empty aad).');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string, aad: string): string {
    const parts = sealed.split('.');
    if (parts[0] !== VERSION) {
      throw new VaultError(
        `Cannot open the secret for ${aad}: unknown vault format "${(parts[0] ?? '').slice(0, 8)}" (expected ${VERSION}).`,
      );
    }
    if (parts.length !== 4 || !parts.every((p) => B64URL.test(p))) {
      throw new VaultError(`Cannot open the secret for ${aad}: the sealed value is malformed.`);
    }
    const [, ivS, tagS, ctS] = parts as [string, string, string, string];
    const iv = Buffer.from(ivS, 'base64url');
    const tag = Buffer.from(tagS, 'base64url');
    const ct = Buffer.from(ctS, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new VaultError(`Cannot open the secret for ${aad}: the sealed value is malformed.`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError(
        `Cannot open the secret for ${aad}: it was tampered with, sealed under another master key, or belongs to another record.`,
      );
    }
  }
}
