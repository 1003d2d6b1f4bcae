import { type Route } from '@airlock/contract/gateway';
import { classifyAddress } from './addresses';
import { printable } from './hostname';
import { canonicalIp } from './ip';

export type Lookup = (host: string) => Promise<string[]>;

export type Resolved =
  { ok: true; address: string } | { ok: false; rule: 'private-address' | 'dns'; reason: string };

/**
 * The one address to connect to for an allowed request. Every address the name has is checked,
 * not just the first: a name answering with a public and a private address is a DNS-rebinding
 * shape, and the caller must dial exactly the address returned here, never look the name up again.
 */
export async function resolveTarget(
  host: string,
  ip: string | null,
  route: Route,
  lookup: Lookup,
): Promise<Resolved> {
  const shown = printable(host);
  let addresses: string[];
  if (ip !== null) {
    addresses = [ip];
  } else {
    try {
      addresses = await lookup(host);
    } catch (err) {
      const why = err instanceof Error ? printable(err.message) : 'the lookup failed';
      return { ok: false, rule: 'dns', reason: `${shown} could not be resolved (${why})` };
    }
    if (!Array.isArray(addresses) || addresses.length === 0) {
      return { ok: false, rule: 'dns', reason: `${shown} has no addresses` };
    }
  }

  const canonical: string[] = [];
  for (const a of addresses) {
    const c = typeof a === 'string' ? canonicalIp(a) : null;
    if (c === null) {
      return {
        ok: false,
        rule: 'dns',
        reason: `${shown} resolved to ${printable(String(a))}, which is not an IP address the gateway can dial`,
      };
    }
    canonical.push(c);
  }

  if (!route.allowPrivate) {
    for (const a of canonical) {
      const cls = classifyAddress(a);
      if (cls === 'public') continue;
      const via = a === ip ? `${shown} is` : `${shown} resolves to`;
      return {
        ok: false,
        rule: 'private-address',
        reason: `${via} ${a} (${cls}), which this route may not reach; ask an admin to set allowPrivate on the route if it should`,
      };
    }
  }
  const first = canonical[0];
  if (first === undefined) return { ok: false, rule: 'dns', reason: `${shown} has no addresses` };
  return { ok: true, address: first };
}
