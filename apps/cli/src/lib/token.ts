import { TOKEN_PREFIX } from '@airlock/contract/tokens';
import { UsageError } from './errors';

/** The id inside a token shaped `alk_<id>_<secret>`, or null when it has another shape. */
export function tokenIdOf(token: string): string | null {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const rest = token.slice(TOKEN_PREFIX.length);
  const sep = rest.indexOf('_');
  if (sep <= 0 || sep === rest.length - 1) return null;
  return rest.slice(0, sep);
}

/**
 * Checks a token before it is stored or sent: an Airlock token, and nothing that cannot travel in
 * an HTTP header. Catches a pasted password or a stray newline; the message never echoes the value.
 */
export function checkTokenShape(token: string): string {
  if (!/^[\x21-\x7e]+$/.test(token) || token.length > 512) {
    throw new UsageError(
      'the token contains spaces or unprintable characters; paste it exactly as it was shown',
    );
  }
  if (tokenIdOf(token) === null) {
    throw new UsageError(
      `that does not look like an Airlock API token (they look like ${TOKEN_PREFIX}<id>_<secret>)`,
    );
  }
  return token;
}
