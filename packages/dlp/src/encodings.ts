// The byte strings under which a secret can leave a sandbox: scanners and redactors match all of them.

export interface EncodedForm {
  form: string;
  bytes: Buffer;
}

// A base64 core shorter than this would match ordinary base64 text by chance; the raw form of such a
// short secret is still matched.
const MIN_BASE64_CORE = 4;

/**
 * Every distinct byte string the secret may appear as: raw UTF-8, base64 and base64url at each of the
 * three alignments, hex in both cases, and percent/form encodings. Identical byte strings are listed
 * once, under the first form that produced them. An empty secret has no forms.
 */
export function encodedForms(secret: string): EncodedForm[] {
  const raw = Buffer.from(secret, 'utf8');
  if (raw.length === 0) return [];
  const forms: EncodedForm[] = [];
  const seen = new Set<string>();
  const add = (form: string, bytes: Buffer) => {
    const key = bytes.toString('latin1');
    if (bytes.length === 0 || seen.has(key)) return;
    seen.add(key);
    forms.push({ form, bytes });
  };
  const ascii = (s: string) => Buffer.from(s, 'latin1');

  add('raw', raw);
  for (const alphabet of ['base64', 'base64url'] as const) {
    for (let k = 0; k < 3; k++) {
      const core = base64Core(raw, k, alphabet);
      if (core.length >= MIN_BASE64_CORE) add(`${alphabet}@${k}`, ascii(core));
    }
  }
  const hex = raw.toString('hex');
  add('hex', ascii(hex));
  add('HEX', ascii(hex.toUpperCase()));
  add('url', ascii(percentEncode(raw, COMPONENT_SAFE, false, true)));
  add('url-lower', ascii(percentEncode(raw, COMPONENT_SAFE, false, false)));
  add('url-all', ascii(percentEncode(raw, NOTHING_SAFE, false, true)));
  add('url-all-lower', ascii(percentEncode(raw, NOTHING_SAFE, false, false)));
  if (raw.includes(0x20)) {
    // HTML forms and URLSearchParams send a space as '+', and the latter escapes more than
    // encodeURIComponent does (! ' ( ) ~), so both variants can be seen on the wire.
    add('form', ascii(percentEncode(raw, COMPONENT_SAFE, true, true)));
  }
  add('form-strict', ascii(percentEncode(raw, FORM_SAFE, true, true)));
  return forms;
}

/** The length in bytes of the longest encoded form of any of the secrets (0 for none). */
export function longestForm(secrets: readonly string[]): number {
  let max = 0;
  for (const s of secrets) for (const { bytes } of encodedForms(s)) max = Math.max(max, bytes.length);
  return max;
}

/**
 * The base64 characters of `secret` encoded after `k` other bytes (k = stream offset mod 3) that
 * depend on the secret's bytes alone: a character covers 6 bits, so drop those whose bits reach into
 * the k leading bytes and the last one if its bits run past the secret into whatever follows.
 */
export function base64Core(secret: Buffer, k: number, alphabet: 'base64' | 'base64url'): string {
  const encoded = Buffer.concat([Buffer.alloc(k), secret]).toString(alphabet);
  const first = Math.ceil((8 * k) / 6);
  const end = Math.floor((8 * (k + secret.length)) / 6);
  return encoded.slice(first, Math.max(first, end));
}

const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const byteSet = (chars: string) => new Set(Array.from(Buffer.from(chars, 'latin1')));
// What encodeURIComponent leaves alone.
const COMPONENT_SAFE = byteSet(UNRESERVED + "-_.!~*'()");
// What application/x-www-form-urlencoded (URLSearchParams) leaves alone.
const FORM_SAFE = byteSet(UNRESERVED + '*-._');
const NOTHING_SAFE = new Set<number>();

// Works on bytes rather than on the string so a lone surrogate (which makes encodeURIComponent throw)
// is encoded as the U+FFFD bytes that Buffer.from produced for the raw form.
function percentEncode(
  bytes: Buffer,
  safe: ReadonlySet<number>,
  spaceAsPlus: boolean,
  upper: boolean,
): string {
  let out = '';
  for (const b of bytes) {
    if (safe.has(b)) out += String.fromCharCode(b);
    else if (spaceAsPlus && b === 0x20) out += '+';
    else {
      const h = b.toString(16).padStart(2, '0');
      out += '%' + (upper ? h.toUpperCase() : h);
    }
  }
  return out;
}
