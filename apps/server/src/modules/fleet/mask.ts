/**
 * Secret masking for container env (and anything else shown to people or agents). Pure; reused by the
 * fleet detail view, the fix loop's diagnostics and the push-agent ingest. Over-masking is the safe
 * failure: a masked harmless value costs a glance, a leaked token costs a rotation.
 */

export const MASK = '••••••';

/** Env var names that look like they hold a secret. */
const SECRET_NAME =
  /(TOKEN|KEY|SECRET|PASSWORD|PASS|PASSWD|CREDENTIAL|AUTH|PRIVATE|API_?KEY|SESSION|COOKIE)/i;

/** Values that look like a known token shape, wherever they appear in the value. */
const TOKEN_SHAPES: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}/, // GitHub classic tokens (ghp_, gho_, ghu_, ghs_, ghr_)
  /\bgithub_pat_[A-Za-z0-9_]{20,}/, // GitHub fine-grained tokens
  /\bsk-[A-Za-z0-9_-]{16,}/, // OpenAI / Anthropic (sk-ant-...) style keys
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/, // Slack tokens
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, // AWS access key ids
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, // PEM private keys
  /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/, // JWTs
  /\bglpat-[A-Za-z0-9_-]{20,}/, // GitLab personal access tokens
  /\bAIza[0-9A-Za-z_-]{35}\b/, // Google API keys
  // Credentials inside a URL (scheme://user:pass@host). Bounded: an unbounded `[a-z0-9+.-]*` before
  // the colon made this quadratic, and values come from untrusted reports (ReDoS, fleet-attack tests).
  /[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@]{1,256}:[^\s@/]{1,1024}@/i,
];

export const isSecretName = (name: string): boolean => SECRET_NAME.test(name);

// One pass per value: the shapes joined (each keeps its own flags: case-sensitive ones together).
const joined = (flags: string) =>
  new RegExp(
    TOKEN_SHAPES.filter((r) => r.flags === flags)
      .map((r) => `(?:${r.source})`)
      .join('|'),
    flags,
  );
const SHAPES_CASED = joined('');
const SHAPES_NOCASE = joined('i');

export const looksLikeToken = (value: string): boolean =>
  SHAPES_CASED.test(value) || SHAPES_NOCASE.test(value);

const shouldMask = (name: string, value: string): boolean =>
  value !== '' && (isSecretName(name) || looksLikeToken(value));

/** Masks one value given its name: the whole value is replaced, never a part of it. */
export function maskValue(name: string, value: string): { value: string; masked: boolean } {
  return shouldMask(name, value) ? { value: MASK, masked: true } : { value, masked: false };
}

/** `maskValue(name, value).value` without the wrapper (hot in ingest). */
export const maskedValue = (name: string, value: string): string => (shouldMask(name, value) ? MASK : value);

export interface MaskedEnvVar {
  name: string;
  value: string;
  masked: boolean;
}

/** Docker's `Config.Env` (`NAME=value` strings) → name/value pairs with secret-looking values masked. */
export function maskEnv(env: readonly string[]): MaskedEnvVar[] {
  return env.map((entry) => {
    const eq = entry.indexOf('=');
    // An entry without "=" is a name only (unset in the container): nothing to mask.
    if (eq < 0) return { name: entry, value: '', masked: false };
    const name = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    const masked = shouldMask(name, value);
    return { name, value: masked ? MASK : value, masked };
  });
}
