import { z } from 'zod';

/**
 * The egress gateway (issue 9): routes as profiles name them, and the control protocol between the
 * server and the gateway process. The control channel is a unix socket in `$AIRLOCK_HOME/run/`
 * (0600) carrying one JSON message per line; every message in both directions is validated by these
 * schemas, and a line that fails validation is answered with an error, never half-applied.
 */

/** A DNS name (letters, digits, "-", "." ; IDNA is normalised by the gateway) or `*.suffix`. */
const HOST_PATTERN =
  /^(\*\.)?[A-Za-z0-9\u00a1-\uffff]([A-Za-z0-9\u00a1-\uffff-]*[A-Za-z0-9\u00a1-\uffff])?(\.[A-Za-z0-9\u00a1-\uffff]([A-Za-z0-9\u00a1-\uffff-]*[A-Za-z0-9\u00a1-\uffff])?)*\.?$/;
/** An IPv4 dotted quad or an IPv6 literal (bracketless), when a route names an address itself. */
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

export const RouteHost = z
  .string()
  .min(1, 'a route needs a host')
  .max(253, 'a host name is at most 253 characters')
  .refine(
    (s) => HOST_PATTERN.test(s) || IP_LITERAL.test(s),
    'a route host is a DNS name ("api.example.com"), "*.example.com" for its subdomains, or an IP address',
  )
  .refine((s) => s !== '*' && !s.startsWith('*.*'), 'a wildcard must name a domain: "*.example.com"');

export const Port = z.number().int().min(1).max(65535);

export const HttpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export const RoutePathPrefix = z
  .string()
  .min(1)
  .max(512)
  .startsWith('/', 'a path prefix starts with "/"')
  .refine((s) => !/[\s?#]/.test(s), 'a path prefix has no spaces, "?" or "#"');

/** A route as a profile stores it: `credential` names a credential by name or id. */
export const Route = z.strictObject({
  host: RouteHost,
  /** Default: 443 (TLS) and 80 (plain HTTP). */
  ports: z.array(Port).min(1).max(16).optional(),
  methods: z.array(HttpMethod).min(1).optional(),
  paths: z.array(RoutePathPrefix).min(1).max(32).optional(),
  credential: z.string().min(1).max(64).optional(),
  /** TLS is relayed without interception (no injection, no scanning); the SNI is still checked. */
  passthrough: z.boolean().optional(),
  /** The host may resolve to (or be) a private, loopback or link-local address. */
  allowPrivate: z.boolean().optional(),
  /** WebSocket upgrades are allowed; every frame is scanned like a body. */
  websocket: z.boolean().optional(),
  /** Request bodies with a Content-Encoding (which the scanner cannot read) are allowed. */
  allowCompressedBody: z.boolean().optional(),
});
export type Route = z.infer<typeof Route>;

export const InjectKind = z.enum(['bearer', 'basic', 'header']);
export const Injection = z
  .strictObject({
    type: InjectKind,
    /** The header to set, for `header` (e.g. `x-api-key`). */
    header: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'a header name is a token (letters, digits, "-")')
      .optional(),
  })
  .refine((i) => (i.type === 'header') === (i.header !== undefined), {
    message: 'a header injection names its header ("header"), and only it does',
    path: ['header'],
  });
export type Injection = z.infer<typeof Injection>;

// ---- Control protocol ----------------------------------------------------------------------

export const SessionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{2,63}$/, 'a session id is lower-case letters, digits and "-"');

/** A credential as the gateway holds it for one session: the value is plaintext, in memory only. */
export const GatewayCredential = z.strictObject({
  name: z.string().min(1).max(64),
  value: z.string().min(1).max(16384),
  inject: Injection,
  /** The hosts (patterns as in routes) it may be sent to; anywhere else it is exfiltration. */
  hosts: z.array(RouteHost).min(1),
});
export type GatewayCredential = z.infer<typeof GatewayCredential>;

/** A route inside the gateway: `credential` is the name of one of the session's credentials. */
export const GatewayRoute = Route;
export type GatewayRoute = Route;

export const SessionPolicy = z.strictObject({
  routes: z.array(GatewayRoute).max(256),
  credentials: z.array(GatewayCredential).max(64),
  /** Other secrets that must not leave (vault secrets marked sensitive): never injected. */
  sensitive: z
    .array(z.strictObject({ name: z.string().min(1).max(64), value: z.string().min(4).max(16384) }))
    .max(256),
});
export type SessionPolicy = z.infer<typeof SessionPolicy>;

export const UpstreamOverride = z.strictObject({
  /** `ip` or `ip:port`; without a port the requested port is used. */
  address: z.string().min(1),
  /** PEM of a CA that signs this upstream's certificate (tests). */
  caPem: z.string().optional(),
});

export const GatewayLimits = z.strictObject({
  tunnelsPerSession: z.number().int().min(1).default(256),
  headerBytes: z
    .number()
    .int()
    .min(1024)
    .default(32 * 1024),
  /** Until a request's headers have arrived. */
  headersTimeoutMs: z.number().int().min(100).default(30_000),
  /** A connection with no traffic either way is closed. */
  idleTimeoutMs: z.number().int().min(100).default(120_000),
  /** Upstream connect (TCP + TLS). */
  connectTimeoutMs: z.number().int().min(100).default(10_000),
});
export type GatewayLimits = z.infer<typeof GatewayLimits>;

/** Server → gateway. Each carries `seq`; the gateway answers every one with an `ack` of that seq. */
export const ControlRequest = z.discriminatedUnion('type', [
  /** First message on a connection; anything else first, or a wrong token, closes it. */
  z.strictObject({
    type: z.literal('hello'),
    seq: z.number().int(),
    token: z.string().min(32),
    protocol: z.literal(1),
  }),
  z.strictObject({
    type: z.literal('configure'),
    seq: z.number().int(),
    upstreamOverrides: z.record(z.string(), UpstreamOverride),
    /** PEM of extra CAs trusted for upstream TLS besides the system store (tests). */
    extraCaPem: z.string().optional(),
    limits: GatewayLimits,
  }),
  /** Creates the session's socket and CA if new; replaces its policy either way (live). */
  z.strictObject({
    type: z.literal('session.put'),
    seq: z.number().int(),
    id: SessionId,
    policy: SessionPolicy,
  }),
  z.strictObject({ type: z.literal('session.remove'), seq: z.number().int(), id: SessionId }),
  z.strictObject({ type: z.literal('session.list'), seq: z.number().int() }),
]);
export type ControlRequest = z.infer<typeof ControlRequest>;

export const ControlError = z.strictObject({
  code: z.enum(['invalid', 'unauthenticated', 'not_found', 'internal']),
  message: z.string(),
});

/** What a `session.put` answers: where the socket is and the CA certificate to trust (no key). */
export const SessionPutResult = z.strictObject({
  socketPath: z.string(),
  caCertPem: z.string(),
});
export type SessionPutResult = z.infer<typeof SessionPutResult>;

export const BlockEvent = z.strictObject({
  kind: z.literal('blocked'),
  session: SessionId,
  at: z.string(),
  method: z.string(),
  host: z.string(),
  port: z.number().int(),
  path: z.string(),
  /** Machine-readable rule, also sent as `X-Airlock-Block` (e.g. `no-route`, `exfiltration:github`). */
  rule: z.string(),
  /** Human sentence: what was refused and how to ask for it. */
  reason: z.string(),
});
export type BlockEvent = z.infer<typeof BlockEvent>;

export const AllowedEvent = z.strictObject({
  kind: z.literal('allowed'),
  session: SessionId,
  at: z.string(),
  /** Requests allowed since the last summary, by host. */
  counts: z.record(z.string(), z.number().int()),
});

export const GatewayErrorEvent = z.strictObject({
  kind: z.literal('error'),
  session: SessionId.optional(),
  at: z.string(),
  message: z.string(),
});

export const GatewayEvent = z.discriminatedUnion('kind', [BlockEvent, AllowedEvent, GatewayErrorEvent]);
export type GatewayEvent = z.infer<typeof GatewayEvent>;

/** Gateway → server. */
export const ControlReply = z.union([
  z.strictObject({
    type: z.literal('ack'),
    seq: z.number().int(),
    ok: z.literal(true),
    result: z.unknown().optional(),
  }),
  z.strictObject({
    type: z.literal('ack'),
    seq: z.number().int(),
    ok: z.literal(false),
    error: ControlError,
  }),
  z.strictObject({ type: z.literal('event'), event: GatewayEvent }),
]);
export type ControlReply = z.infer<typeof ControlReply>;

/** The result of `session.list`. */
export const SessionListResult = z.strictObject({ ids: z.array(SessionId) });
