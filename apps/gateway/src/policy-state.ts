// A session's policy compiled for the hot path: the route matcher, the credentials by name, and one
// secret matcher per destination host (every secret not bound to that host). A policy is replaced
// whole (`session.put`): a request takes the policy current when it starts and keeps it, so a change
// applies to the next request at once and never to half of one in flight.
import type { GatewayCredential, Route, SessionPolicy } from '@airlock/contract/gateway';
import type { SecretMatcher } from '@airlock/dlp/matcher';
import { normalizeHost } from './policy/hostname';
import { sharedMatcher } from './policy/matcher-cache';
import { PolicyMatcher } from './policy/match';

export interface Secret {
  name: string;
  value: string;
}

/** `*.example.com` covers strict subdomains only; anything else is an exact (normalised) name. */
export function hostPatternCovers(pattern: string, host: string): boolean {
  const p = normalizePattern(pattern);
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return p === host;
}

function normalizePattern(pattern: string): string {
  if (pattern.startsWith('*.')) {
    const n = normalizeHost(pattern.slice(2));
    return n.ok ? `*.${n.host}` : pattern;
  }
  const n = normalizeHost(pattern);
  return n.ok ? (n.ip ?? n.host) : pattern;
}

export class CompiledPolicy {
  readonly matcher: PolicyMatcher;
  readonly credentials = new Map<string, GatewayCredential>();
  private readonly secrets: Array<Secret & { hosts: string[] }>;
  private readonly exfilByHost = new Map<string, SecretMatcher>();
  /** Hosts mostly share one set of forbidden secrets: one matcher per distinct set, not per host. */
  private readonly exfilBySet = new Map<string, SecretMatcher>();
  private readonly echoByCredential = new Map<string, SecretMatcher>();

  /** Throws (with a message for the control reply) when the policy is inconsistent. */
  constructor(readonly source: SessionPolicy) {
    for (const c of source.credentials) {
      if (this.credentials.has(c.name)) throw new Error(`credential "${c.name}" is listed twice`);
      this.credentials.set(c.name, c);
    }
    source.routes.forEach((r, i) => {
      if (r.credential !== undefined && !this.credentials.has(r.credential))
        throw new Error(`routes[${i}] names credential "${r.credential}", which the policy does not carry`);
      if (r.credential !== undefined && r.passthrough)
        throw new Error(`routes[${i}] is passthrough and cannot inject credential "${r.credential}"`);
    });
    this.matcher = new PolicyMatcher(source.routes);
    this.secrets = [
      ...source.credentials.map((c) => ({ name: c.name, value: c.value, hosts: c.hosts })),
      // Sensitive vault secrets are bound nowhere: they may not leave toward any host.
      ...source.sensitive.map((s) => ({ name: s.name, value: s.value, hosts: [] })),
    ];
  }

  /** Every secret that must not appear in a request to `host` (normalised), as one matcher. */
  exfilMatcher(host: string): SecretMatcher {
    let m = this.exfilByHost.get(host);
    if (!m) {
      const forbidden = this.secrets.filter((s) => !s.hosts.some((p) => hostPatternCovers(p, host)));
      const key = forbidden.map((s) => s.name).join('\0');
      m = this.exfilBySet.get(key);
      if (!m) {
        m = sharedMatcher(forbidden.map(({ name, value }) => ({ name, value })));
        this.exfilBySet.set(key, m);
      }
      // Bounded: a wildcard route can name many hosts (the matchers themselves are few).
      if (this.exfilByHost.size > 1024) this.exfilByHost.clear();
      this.exfilByHost.set(host, m);
    }
    return m;
  }

  private allSecrets: SecretMatcher | undefined;
  /** Every secret of the session, bound or not: what no block report may carry (sessions.ts). */
  secretsMatcher(): SecretMatcher {
    this.allSecrets ??= sharedMatcher(this.secrets.map(({ name, value }) => ({ name, value })));
    return this.allSecrets;
  }

  /** What an upstream response on `route` must not echo back into the sandbox; null when nothing. */
  echoMatcher(route: Route): SecretMatcher | null {
    if (route.credential === undefined) return null;
    let m = this.echoByCredential.get(route.credential);
    if (!m) {
      const c = this.credentials.get(route.credential)!;
      // Every encoded form of the value is matched, the Basic header's base64 among them.
      m = sharedMatcher([{ name: c.name, value: c.value }]);
      this.echoByCredential.set(route.credential, m);
    }
    return m;
  }
}
