// Request paths are compared with route prefixes only after one canonical decoding, so that an
// encoded or dotted spelling cannot satisfy a prefix it would escape once the upstream decodes it.

export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

export function normalizePath(input: string): NormalizedPath {
  const path = input.replace(/[?#].*$/s, '');
  if (!path.startsWith('/')) return { ok: false, reason: 'the path does not start with "/"' };
  if (/[^\x21-\x7e]/.test(path)) return { ok: false, reason: 'the path has spaces or non-ASCII characters' };
  // Some servers (IIS, some frameworks) read "\" as "/".
  if (path.includes('\\')) return { ok: false, reason: 'the path has a backslash' };
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i] ?? '';
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { ok: false, reason: 'the path has a malformed "%" escape' };
    const ch = String.fromCharCode(parseInt(hex, 16));
    // An encoded separator is one segment here but may be two after the upstream decodes it.
    if (ch === '/' || ch === '\\') {
      return { ok: false, reason: 'the path has an encoded "/" or "\\" (%2F or %5C)' };
    }
    out += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
    i += 2;
  }
  for (const segment of out.split('/')) {
    // "..;x" is ".." to Tomcat-style servers that drop path parameters.
    const bare = segment.split(';')[0];
    if (bare === '.' || bare === '..') {
      return { ok: false, reason: 'the path has a "." or ".." segment' };
    }
  }
  return { ok: true, path: out };
}
