import type { SessionCredential, SensitiveSecret } from './policy.port';

/**
 * The `sensitive` list of a session's gateway policy: every vault secret the session is not given,
 * in the form a leak would take.
 *
 * - The session's own credentials are left out: the gateway already scans for them toward every
 *   host but their bound one, and listing them here too would block them toward that one.
 * - Values shorter than MIN_LENGTH are left out: a four-letter SSH password would refuse every
 *   request that happens to contain the word, and a scanner that cries wolf gets switched off.
 * - A multi-line value (a PEM private key) is scanned by its body lines, not as a whole: a leaked
 *   key is rarely byte-identical to the file (JSON escapes its newlines, a paste rewraps it), but
 *   its base64 lines survive. The first body line is skipped (it is the same in every unencrypted
 *   OpenSSH key: the format's magic and cipher "none"), and the last lines, which hold the private
 *   half, are kept.
 */
export const MIN_LENGTH = 8;
/** The gateway's schema allows 256 entries; each costs the scanner a little on every request. */
export const MAX_ENTRIES = 256;
const LINES_PER_KEY = 3;
const MIN_LINE = 40;

export function sensitiveFor(
  secrets: SensitiveSecret[],
  own: Array<Pick<SessionCredential, 'value'>>,
): SensitiveSecret[] {
  const skip = new Set(own.map((c) => c.value));
  const seen = new Set<string>();
  const out: SensitiveSecret[] = [];
  for (const s of secrets)
    for (const value of fragmentsOf(s.value)) {
      if (value.length < MIN_LENGTH || skip.has(value) || seen.has(value)) continue;
      seen.add(value);
      out.push({ name: s.name.slice(0, 64), value: value.slice(0, 16384) });
      if (out.length >= MAX_ENTRIES) return out;
    }
  return out;
}

function fragmentsOf(value: string): string[] {
  if (!/[\r\n]/.test(value)) return [value];
  const body = value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= MIN_LINE && !l.startsWith('-----') && !l.includes(':'));
  return body.slice(1).slice(-LINES_PER_KEY);
}
