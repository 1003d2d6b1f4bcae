// Where a request really goes: DNS only here (the sandbox has none), private ranges refused unless a
// route names them, the validated address used for the connection itself (no second lookup that a
// rebinding server could answer differently), and upstream TLS verified against the system store.
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Route } from '@airlock/contract/gateway';
import { normalizeHost } from '../policy/hostname';
import { resolveTarget } from '../policy/resolve';
import type { Refusal } from './block';

export interface Override {
  address: string;
  port: number | null;
  caPem: string | null;
  /**
   * The trust list for this upstream, built once per configure: the proxy caches a TLS context per
   * list (by identity), and a new array per tunnel made a context holding the whole system store
   * for every tunnel (about 1 MB and tens of ms each; bench/README.md, "Gateway", finding 2).
   */
  trust: string[];
}

export interface Dial {
  /** The address to connect to (validated) and the port. */
  address: string;
  port: number;
  /** The CAs that may sign this upstream's certificate. */
  ca: string[];
  overridden: boolean;
}

/** Names that never resolve on the public internet (RFC 6761): refused without asking any resolver. */
const RESERVED = /(^|\.)(test|invalid|example|local|localdomain|internal)$/;

function systemBundle(): string[] {
  for (const f of ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']) {
    try {
      return [readFileSync(f, 'utf8')];
    } catch {
      // next
    }
  }
  return [...rootCertificates];
}

/** `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]:80`. */
function splitAddress(text: string): { ip: string; port: number | null } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) return { ip: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : null };
  const parts = text.split(':');
  if (parts.length === 2) return { ip: parts[0]!, port: /^\d+$/.test(parts[1]!) ? Number(parts[1]) : NaN };
  return { ip: text, port: null };
}

export class Upstreams {
  private overrides = new Map<string, Override>();
  private trust: string[] = systemBundle();
  private readonly base = this.trust;

  configure(
    overrides: Record<string, { address: string; caPem?: string | undefined }>,
    extraCaPem?: string,
  ): void {
    const trust = extraCaPem ? [...this.base, extraCaPem] : this.base;
    const next = new Map<string, Override>();
    for (const [name, o] of Object.entries(overrides)) {
      const n = normalizeHost(name);
      if (!n.ok) throw new Error(`upstream override "${name}": ${n.reason}`);
      const { ip, port } = splitAddress(o.address);
      if (!isIP(ip) || (port !== null && !(port >= 1 && port <= 65535)))
        throw new Error(
          `upstream override "${name}": address "${o.address}" is not "ip", "ip:port" or "[v6]:port"`,
        );
      const caPem = o.caPem ?? null;
      next.set(n.ip ?? n.host, { address: ip, port, caPem, trust: caPem ? [...trust, caPem] : trust });
    }
    this.overrides = next;
    this.trust = trust;
  }

  overridden(host: string): boolean {
    return this.overrides.has(host);
  }

  /** Where to connect for `host:port` on `route`, or why not. */
  async dial(host: string, ip: string | null, port: number, route: Route): Promise<Dial | Refusal> {
    const o = this.overrides.get(ip ?? host);
    if (o) {
      return {
        address: o.address,
        port: o.port ?? port,
        ca: o.trust,
        overridden: true,
      };
    }
    if (!ip && RESERVED.test(host))
      return {
        rule: 'dns',
        reason: `${host} is a reserved name that does not resolve on the internet`,
        status: 502,
      };
    const r = await resolveTarget(host, ip, route, async (h) =>
      (await lookup(h, { all: true, verbatim: true })).map((a) => a.address),
    );
    if (!r.ok) return { rule: r.rule, reason: r.reason, status: r.rule === 'dns' ? 502 : 403 };
    return { address: r.address, port, ca: this.trust, overridden: false };
  }
}
