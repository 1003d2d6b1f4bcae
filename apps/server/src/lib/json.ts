import { badRequest } from './errors';

export const MAX_JSON_DEPTH = 64;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A request body's bytes as text; invalid UTF-8 is refused, never replaced with U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw badRequest('Body is not valid UTF-8; send JSON encoded as UTF-8.');
  }
}

/**
 * A key that could be `__proto__` or `constructor`, written plainly or with \u escapes of the
 * letters they are made of (\u005f-\u007f). Go's encoder escapes <, >, & (\u003c…), which does not
 * match, so ordinary Docker JSON takes the fast path.
 */
const SUSPICIOUS_KEY = /__proto__|constructor|\\u00[5-7]/i;

/** Index of the quote closing the string that opens at `open`, or -1 when it never closes. */
function stringEnd(text: string, open: number): number {
  let j = open;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return -1;
    let slashes = 0;
    for (let k = j - 1; text.charCodeAt(k) === 92; k--) slashes++;
    if (slashes % 2 === 0) return j;
  }
}

/**
 * Parses a JSON request body, refusing nesting deeper than MAX_JSON_DEPTH before parsing it
 * (deeply nested input is a cheap way to burn CPU or stack in every later consumer) and dropping
 * prototype-pollution keys. Strings are skipped with indexOf, so the scan costs little on the large,
 * string-heavy bodies push agents send.
 */
export function parseJsonBody(text: string): unknown {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(text, i);
      if (end < 0) break; // unterminated: JSON.parse reports it
      i = end;
    } else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH)
        throw badRequest(`JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
    } else if (c === 125 || c === 93) depth--;
  }
  return SUSPICIOUS_KEY.test(text) ? parse(text, dropPrototypeKeys) : parse(text);
}

const dropPrototypeKeys = (key: string, value: unknown): unknown =>
  key === '__proto__' || key === 'constructor' ? undefined : value;

function parse(text: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text, reviver) as unknown;
  } catch (err) {
    throw badRequest(`Body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Parses a JSON body without the depth scan and prototype-key reviver of `parseJsonBody`, which
 * together cost about as much as JSON.parse itself on a large body. Safe only where the caller reads
 * the value through zod object schemas and nothing else: V8's JSON.parse is iterative (deep input
 * cannot overflow the stack here), a schema never descends into values it does not describe, and
 * zod drops `__proto__` keys from the objects and records it builds. `RouteSpec.plainJsonBody`.
 */
export function parsePlainJson(text: string): unknown {
  return parse(text);
}

/**
 * Structural equality of two plain JSON values (objects, arrays, strings, numbers, booleans, null)
 * the server built itself; key order is ignored. Several times cheaper than util.isDeepStrictEqual,
 * which also weighs prototypes, symbols and property descriptors that plain data never has.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  for (const k of keys) if (!Object.hasOwn(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  return true;
}
