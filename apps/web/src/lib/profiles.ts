import type { Route } from '@airlock/contract/gateway';
import type { EffectiveLimits, Profile } from '@airlock/contract/profiles';

/** What "unscanned" means, said wherever the badge is. */
export const UNSCANNED_HELP =
  'Relayed without TLS interception: no credential injection, no exfiltration scan. Only the TLS server name (SNI) is checked against the host.';

/** A passthrough route is relayed as opaque TLS: the gateway sees the server name and nothing else. */
export const isUnscanned = (r: Route): boolean => r.passthrough === true;

export const unscannedCount = (p: Profile): number => p.routes.filter(isUnscanned).length;

/** Credential name → names of the profiles whose routes inject it, sorted. */
export function credentialUsers(profiles: readonly Profile[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const p of profiles)
    for (const r of p.routes) {
      if (!r.credential) continue;
      const set = out.get(r.credential) ?? new Set<string>();
      set.add(p.name);
      out.set(r.credential, set);
    }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

/** The ports a route accepts; without its own, the contract's defaults (443 for TLS, 80 for plain HTTP). */
export function portsText(r: Route): string {
  return r.ports ? r.ports.join(', ') : '443, 80 (default)';
}

export function memoryText(mb: number): string {
  return mb >= 1024 && mb % 1024 === 0 ? `${mb / 1024} GiB` : `${mb} MiB`;
}

export function limitsText(l: EffectiveLimits): string {
  return `${l.pids} pids · ${memoryText(l.memoryMb)} · ${l.cpus} ${l.cpus === 1 ? 'CPU' : 'CPUs'}`;
}

export const profilePath = (p: Pick<Profile, 'name'>): string => `/profiles/${encodeURIComponent(p.name)}`;
