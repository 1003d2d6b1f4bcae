import { createHash } from 'node:crypto';
import { SecretMatcher, type Secret } from '@airlock/dlp/matcher';

/**
 * One compiled matcher per distinct set of secrets, shared by every session that needs that set.
 * A matcher's transition table costs about a megabyte for a handful of secrets in all their encoded
 * forms, and the sessions of one profile carry the same credentials and the same vault-wide
 * sensitive list, so without sharing 100 idle sessions held 100 copies of the same tables
 * (bench/gateway.bench.ts: 222 MB against 111 MB without the sensitive list).
 *
 * Held weakly: a matcher lives as long as some session's policy holds it, and its entry goes with
 * it. The key is a digest of the names and values, so the cache holds no second copy of a secret.
 */
const cache = new Map<string, WeakRef<SecretMatcher>>();
const finalizer = new FinalizationRegistry<string>((key) => {
  if (cache.get(key)?.deref() === undefined) cache.delete(key);
});

export function sharedMatcher(secrets: readonly Secret[]): SecretMatcher {
  const h = createHash('sha256');
  for (const { name, value } of secrets) h.update(`${name.length}:${name}${value.length}:${value}`);
  const key = h.digest('base64');
  const hit = cache.get(key)?.deref();
  if (hit) return hit;
  const m = new SecretMatcher(secrets);
  cache.set(key, new WeakRef(m));
  finalizer.register(m, key);
  return m;
}

/** How many distinct matchers are alive (for tests). */
export function sharedMatcherCount(): number {
  let n = 0;
  for (const ref of cache.values()) if (ref.deref()) n++;
  return n;
}
