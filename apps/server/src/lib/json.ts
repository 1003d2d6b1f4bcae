import { badRequest } from './errors';

export const MAX_JSON_DEPTH = 64;

/**
 * Parses a JSON request body, refusing nesting deeper than MAX_JSON_DEPTH before parsing it
 * (deeply nested input is a cheap way to burn CPU or stack in every later consumer) and
 * prototype-pollution keys.
 */
export function parseJsonBody(text: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH)
        throw badRequest(`JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
    } else if (c === 125 || c === 93) depth--;
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text, (key, value: unknown) =>
      key === '__proto__' || key === 'constructor' ? undefined : value,
    );
  } catch (err) {
    throw badRequest(`Body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
