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

/**
 * `PWD` is the common short form of password (`MYSQL_PWD`, `DB_PWD`), but the shell's own `PWD` and
 * `OLDPWD` are the working directories every container has: those stay visible.
 */
const PWD_NAME = /PWD/i;
const SHELL_DIRS = new Set(['PWD', 'OLDPWD']);

export const isSecretName = (name: string): boolean =>
  SECRET_NAME.test(name) || (PWD_NAME.test(name) && !SHELL_DIRS.has(name.toUpperCase()));

/**
 * `Password=…` / `Pwd=…` inside a connection string (ADO.NET, ODBC, JDBC properties): only the
 * value goes, up to the next `;`, or a quoted or braced value whole, so the server and database
 * names stay readable. The key must start the string or follow `;`, whitespace or `{`. A quote
 * inside a quoted value is doubled (ADO.NET). Quoted values are bounded so an unclosed quote repeated cannot make the scan quadratic.
 */
const CONN_PASSWORD =
  /(^|[;\s{])((?:password|pwd)[ \t]*=[ \t]*)("(?:[^"]|""){0,1024}"|'(?:[^']|''){0,1024}'|\{[^}]{0,1024}\}|[^;]*)/gi;

/**
 * A command-line option naming a password or secret: `--password=x`, `--db-password x`,
 * `--pwd "x y"`. Short options (`-p`) are left alone: `-p` is a port as often as a password. The
 * name is bounded ({0,64}) so hostile values stay linear (see the ReDoS test).
 */
const OPTION_NAME = '--[A-Za-z0-9_-]{0,64}?(?:password|passwd|pwd|secret|token)';
const OPTION_IN_TEXT = new RegExp(
  `(^|\\s)(${OPTION_NAME})(=|\\s+)("[^"]{0,1024}"|'[^']{0,1024}'|\\S+)`,
  'gi',
);
const OPTION_ALONE = new RegExp(`^${OPTION_NAME}$`, 'i');

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

/**
 * A value with the secret parts of connection strings and command lines masked (the rest kept).
 * The cheap `includes` tests skip both regexes for nearly every value (hot in ingest).
 */
function maskParts(value: string): string {
  const lower = value.toLowerCase();
  let out = value;
  if (lower.includes('pwd') || lower.includes('password')) {
    out = out.replace(CONN_PASSWORD, (_m, pre: string, key: string) => `${pre}${key}${MASK}`);
  }
  if (lower.includes('--')) {
    out = out.replace(
      OPTION_IN_TEXT,
      (_m, pre: string, opt: string, sep: string) => `${pre}${opt}${sep}${MASK}`,
    );
  }
  return out;
}

/**
 * Masks one value given its name: the whole value when the name looks secret or the value holds a
 * token shape, else just the passwords inside it (connection strings, `--password` options).
 */
export function maskValue(name: string, value: string): { value: string; masked: boolean } {
  if (shouldMask(name, value)) return { value: MASK, masked: true };
  const out = maskParts(value);
  return { value: out, masked: out !== value };
}

/** `maskValue(name, value).value` without the wrapper (hot in ingest). */
export const maskedValue = (name: string, value: string): string =>
  shouldMask(name, value) ? MASK : maskParts(value);

/**
 * Cmd / Entrypoint / Args: each argument masked like a value, and the argument after a lone
 * `--password` (or `--db-pwd`, `--secret` …) masked whole.
 */
export function maskArgv(args: readonly string[]): string[] {
  return args.map((a, i) => {
    if (i > 0 && OPTION_ALONE.test(args[i - 1]!)) return MASK;
    return looksLikeToken(a) ? MASK : maskParts(a);
  });
}

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
    return { name, ...maskValue(name, entry.slice(eq + 1)) };
  });
}
