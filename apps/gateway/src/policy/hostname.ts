import { domainToASCII } from 'node:url';
import { formatIPv4, formatIPv6, parseIPv6 } from './ip';

export type NormalizedHost = { ok: true; host: string; ip: string | null } | { ok: false; reason: string };

// Far above 253 so IDNA mapping (which can shrink text) still sees real names, but bounded so a
// hostile header cannot make us IDNA-map megabytes.
const MAX_INPUT = 1024;
const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ASCII_NAME_CHARS = /^[a-z0-9.-]*$/;

/** Input quoted for a reason sentence: printable ASCII only, and short. */
export function printable(s: string, max = 100): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

const fail = (reason: string): NormalizedHost => ({ ok: false, reason });
const asIp = (ip: string): NormalizedHost => ({ ok: true, host: ip, ip });

/**
 * The one spelling of a host that routes are compared in: lower-case ASCII (IDNA), no trailing
 * dot, and IP literals in their canonical form whatever way they were written, so that no
 * alternative spelling of an address or name can slip past an allowlist entry.
 */
export function normalizeHost(input: string): NormalizedHost {
  if (input.length === 0) return fail('the host is empty');
  if (input.length > MAX_INPUT) return fail('the host is longer than 253 characters');
  const shown = printable(input);

  if (input.startsWith('[') || input.includes(':')) return normalizeIPv6(input, shown);

  let host = input.toLowerCase();
  // Non-ASCII goes through IDNA first: it maps full-width dots and digits to ASCII ones, which
  // the checks below must then see.
  // eslint-disable-next-line no-control-regex -- an ASCII test
  if (!/^[\x00-\x7f]*$/.test(host)) {
    const ascii = domainToASCII(host);
    if (ascii === '') return fail(`${shown} is not a valid internationalised domain name`);
    host = ascii;
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return fail('the host is empty');
  if (!ASCII_NAME_CHARS.test(host)) {
    return fail(`${shown} has characters a host name cannot have (letters, digits, "-" and "." only)`);
  }

  const labels = host.split('.');
  const last = labels[labels.length - 1] ?? '';
  // WHATWG URL's "ends in a number": such a host is an IPv4 literal or nothing, because resolvers
  // and URL parsers would read it as one.
  if (/^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/.test(last)) {
    const v4 = inetAton(labels);
    if (v4 === null) {
      return fail(`${shown} ends in a number but is not a valid IPv4 address, so it is ambiguous`);
    }
    return asIp(formatIPv4(v4));
  }

  if (host.length > 253) return fail(`${shown} is longer than 253 characters`);
  for (const label of labels) {
    if (label === '') return fail(`${shown} has an empty label`);
    if (label.length > 63) return fail(`${shown} has a label longer than 63 characters`);
    if (!LABEL.test(label)) return fail(`${shown} has a label that starts or ends with "-"`);
  }
  // ASCII input can still carry punycode; it must decode, and to what IDNA itself would produce.
  if (labels.some((l) => l.startsWith('xn--')) && domainToASCII(host) !== host) {
    return fail(`${shown} has an invalid punycode ("xn--") label`);
  }
  return { ok: true, host, ip: null };
}

function normalizeIPv6(input: string, shown: string): NormalizedHost {
  let text = input;
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) return fail(`${shown} opens "[" but does not close it`);
    text = text.slice(1, -1);
  }
  if (text.includes('%')) {
    // A zone id picks an interface on this machine; a route cannot name one, so none may match.
    return fail(`${shown} has an IPv6 zone id ("%..."), which a route cannot name`);
  }
  const bytes = parseIPv6(text);
  if (!bytes) return fail(`${shown} is not a valid IPv6 address`);
  return asIp(formatIPv6(bytes));
}

/**
 * inet_aton as WHATWG URL defines it: one to four parts, each decimal, octal ("0" prefix) or hex
 * ("0x" prefix); the last part fills all the bytes the earlier ones left.
 */
function inetAton(parts: string[]): number | null {
  if (parts.length > 4) return null;
  const values: bigint[] = [];
  for (const p of parts) {
    let v: bigint;
    if (/^0x[0-9a-f]*$/.test(p)) v = p.length === 2 ? 0n : BigInt(p);
    else if (/^0[0-7]+$/.test(p)) v = BigInt(`0o${p.slice(1)}`);
    else if (/^(0|[1-9][0-9]*)$/.test(p)) v = BigInt(p);
    else return null;
    values.push(v);
  }
  const last = values.pop() ?? 0n;
  if (values.some((v) => v > 255n)) return null;
  if (last >= 256n ** BigInt(4 - values.length)) return null;
  let n = 0n;
  values.forEach((v, i) => (n += v << BigInt(8 * (3 - i))));
  return Number(n + last);
}
