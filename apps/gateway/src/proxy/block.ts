// What the sandbox sees when the gateway refuses something: `403` with `X-Airlock-Block: <rule>` and
// a short sentence saying what was refused and how to ask for it. The same facts go to the server as
// a block event. Nothing from the request is echoed unless it is made printable first, so a hostile
// request cannot paint a terminal or split a header.

import { printable as printableText } from '../policy/hostname';

export interface Refusal {
  /** Machine-readable, also the header value: `no-route`, `sni-mismatch`, `exfiltration:<name>`... */
  rule: string;
  /** One human sentence. */
  reason: string;
  status?: number;
}

/** Printable ASCII only, at most `max` characters: safe in a header, a log line or a terminal. */
export const printable = (s: string, max = 200): string => printableText(s, max);

export function blockBody(r: Refusal): string {
  return `Airlock gateway: ${r.reason}\n(rule: ${r.rule})\n`;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A whole HTTP/1.1 response, for sockets that are not (or no longer) driven by node:http. */
export function rawBlockResponse(r: Refusal): string {
  const body = blockBody(r);
  const status = r.status ?? 403;
  const text = STATUS_TEXT[status] ?? 'Error';
  return (
    `HTTP/1.1 ${status} ${text}\r\n` +
    `X-Airlock-Block: ${printable(r.rule, 100)}\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n` +
    body
  );
}
