import {
  createHash,
  randomBytes,
  timingSafeEqual,
  scrypt as scryptCb,
  type ScryptOptions,
} from 'node:crypto';

/** URL-safe random token with `bytes` bytes of entropy. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Short unique id for rows (base64url, 16 bytes of entropy). */
export const newId = (): string => randomBytes(12).toString('base64url');

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** Constant-time string comparison (lengths compared via hashes so they do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );

// N=2^15, r=8: ~32 MiB and ~50-100 ms per hash on this class of machine (OWASP minimum is 2^17 with
// r=8,p=1 for scrypt... we take 2^15 with p=3 which is the equivalent cost per their table).
const PARAMS = { N: 2 ** 15, r: 8, p: 3, maxmem: 128 * 1024 * 1024 };
const KEYLEN = 32;

/** `scrypt$N$r$p$salt$hash`, so parameters can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEYLEN, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, saltB64, hashB64] = stored.split('$');
  if (alg !== 'scrypt' || !n || !r || !p || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64url');
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(saltB64, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash with the same cost as a real one, so unknown usernames take as long as wrong passwords. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomToken(16));
  return dummyHash;
}

/**
 * An id for a record that is also referred to by a lower-case name (credentials, profiles): it
 * always holds an upper-case letter, so no name can ever equal an id and a ref is never ambiguous.
 */
export function newRefId(): string {
  for (;;) {
    const id = randomToken(9).replace(/_/g, '-');
    if (/[A-Z]/.test(id)) return id;
  }
}
