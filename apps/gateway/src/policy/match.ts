import { type Route } from '@airlock/contract/gateway';
import { normalizeHost, printable } from './hostname';
import { canonicalIp } from './ip';
import { normalizePath } from './path';

export interface RequestTarget {
  /** As normalizeHost returns it; normalised again here so a raw host cannot slip through. */
  host: string;
  ip: string | null;
  port: number;
  tls: boolean;
  /** Absent before the request is known (CONNECT): a route that restricts methods then fails. */
  method?: string;
  /** Absent before the request is known (CONNECT): a route that restricts paths then fails. */
  path?: string;
}

export type BlockRule = 'no-route' | 'port' | 'method' | 'path' | 'ip-literal' | 'bad-host';

export type Decision = { allow: true; route: Route } | { allow: false; rule: BlockRule; reason: string };

type HostPattern =
  { kind: 'exact'; host: string } | { kind: 'wildcard'; suffix: string } | { kind: 'ip'; ip: string };

interface Compiled {
  route: Route;
  pattern: HostPattern;
  paths: string[] | null;
}

const ASK = 'ask an admin to add a route for it to the profile';

function compile(route: Route, index: number): Compiled {
  const wildcard = route.host.startsWith('*.');
  const n = normalizeHost(wildcard ? route.host.slice(2) : route.host);
  const where = `route ${index + 1} (${printable(route.host)})`;
  if (!n.ok) throw new Error(`${where}: ${n.reason}`);
  if (wildcard && n.ip !== null) throw new Error(`${where}: a wildcard must name a domain, not an address`);
  const pattern: HostPattern = n.ip
    ? { kind: 'ip', ip: n.ip }
    : wildcard
      ? { kind: 'wildcard', suffix: `.${n.host}` }
      : { kind: 'exact', host: n.host };
  let paths: string[] | null = null;
  if (route.paths) {
    paths = route.paths.map((p) => {
      const np = normalizePath(p);
      if (!np.ok) throw new Error(`${where}: path prefix ${printable(p)}: ${np.reason}`);
      return np.path;
    });
  }
  return { route, pattern, paths };
}

const specificity = (c: Compiled): number =>
  c.pattern.kind === 'wildcard' ? -1000 + c.pattern.suffix.length : 1000;

/** A session's allowlist: which route, if any, lets a request through. */
export class PolicyMatcher {
  private readonly routes: Compiled[];

  /** Throws when a route's host or path prefix cannot be normalised: it would match nothing. */
  constructor(routes: Route[]) {
    // Exact hosts and addresses first, then wildcards from the longest suffix; stable otherwise,
    // so a profile's own order breaks ties.
    this.routes = routes
      .map(compile)
      .map((c, i) => ({ c, i }))
      .sort((a, b) => specificity(b.c) - specificity(a.c) || a.i - b.i)
      .map(({ c }) => c);
  }

  match(t: RequestTarget): Decision {
    const target = this.target(t.host, t.ip);
    if (!target.ok) return target.decision;
    const { host, ip } = target;
    const shown = printable(host);
    const candidates = this.routes.filter((c) => hostMatches(c.pattern, host, ip));
    if (candidates.length === 0) {
      return ip
        ? block('ip-literal', `${shown} is an IP address no route names; ${ASK} (or use its host name)`)
        : block('no-route', `${shown} is not on this session's allowlist; ${ASK}`);
    }

    const onPort = candidates.filter((c) => portMatches(c.route, t.port, t.tls));
    if (onPort.length === 0) {
      const port = Number.isInteger(t.port) ? String(t.port) : printable(String(t.port));
      return block('port', `${shown} is allowed, but not on port ${port}; ${portAsk(candidates, t.tls)}`);
    }

    const method = t.method;
    const withMethod = onPort.filter(
      (c) => !c.route.methods || (method !== undefined && (c.route.methods as string[]).includes(method)),
    );
    if (withMethod.length === 0) {
      const m = method === undefined ? 'an unknown method' : printable(method, 16);
      return block(
        'method',
        `${m} to ${shown} is not allowed; ask an admin to add it to the route's methods`,
      );
    }

    const unrestricted = withMethod.find((c) => !c.paths);
    let path: string | null = null;
    if (t.path !== undefined) {
      const np = normalizePath(t.path);
      if (np.ok) path = np.path;
      else if (!unrestricted) {
        return block('path', `the path ${printable(t.path)} to ${shown} is refused: ${np.reason}`);
      }
    }
    const route = withMethod.find(
      (c) => !c.paths || (path !== null && c.paths.some((p) => path.startsWith(p))),
    );
    if (route) return { allow: true, route: route.route };
    const shownPath = t.path === undefined ? 'an unknown path' : `the path ${printable(t.path)}`;
    return block(
      'path',
      `${shownPath} on ${shown} is outside the route's allowed paths; ask an admin to add its prefix to the route`,
    );
  }

  /** The first route that lets a connection to host:port through, whatever it then requests. */
  hostAllowed(host: string, port: number, tls: boolean): Route | null {
    const target = this.target(host, null);
    if (!target.ok) return null;
    const c = this.routes.find(
      (r) => hostMatches(r.pattern, target.host, target.ip) && portMatches(r.route, port, tls),
    );
    return c ? c.route : null;
  }

  private target(
    rawHost: string,
    rawIp: string | null,
  ): { ok: true; host: string; ip: string | null } | { ok: false; decision: Decision } {
    if (rawIp !== null) {
      // The ip field is the canonical address normalizeHost produced; a loose spelling here means
      // the caller skipped it, and guessing what was meant is how allowlists get bypassed.
      const ip = canonicalIp(rawIp);
      if (ip === null || ip !== rawIp.toLowerCase()) {
        const reason = `${printable(rawIp)} is not an address in canonical form`;
        return { ok: false, decision: block('bad-host', `the host is refused: ${reason}`) };
      }
      return { ok: true, host: ip, ip };
    }
    const n = normalizeHost(rawHost);
    if (!n.ok) return { ok: false, decision: block('bad-host', `the host is refused: ${n.reason}`) };
    return { ok: true, host: n.host, ip: n.ip };
  }
}

function block(rule: BlockRule, reason: string): Decision {
  return { allow: false, rule, reason };
}

function hostMatches(p: HostPattern, host: string, ip: string | null): boolean {
  // An address matches only the route naming that address: a name route is a promise about DNS,
  // which says nothing about which addresses a client may dial directly.
  if (ip !== null) return p.kind === 'ip' && p.ip === ip;
  if (p.kind === 'exact') return p.host === host;
  if (p.kind === 'wildcard') return host.endsWith(p.suffix);
  return false;
}

function portMatches(route: Route, port: number, tls: boolean): boolean {
  return (route.ports ?? [tls ? 443 : 80]).includes(port);
}

function portAsk(routes: Compiled[], tls: boolean): string {
  const ports = new Set<number>();
  for (const c of routes) for (const p of c.route.ports ?? [tls ? 443 : 80]) ports.add(p);
  return `ask an admin to add the port to the route (it allows ${[...ports].join(', ')})`;
}
