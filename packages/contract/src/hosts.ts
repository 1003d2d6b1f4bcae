import { z } from 'zod';
import { endpoint } from './endpoint';
import { Ok } from './system';
import { displayName } from './text';

/**
 * Hosts (issue 3): where containers run. `local` is an engine on a unix socket, `ssh` a remote engine
 * reached through an SSH tunnel to its unix socket, `agent` a host that only pushes reports.
 * Secrets (SSH key, passphrase, password, agent token) go in and never come back out.
 */

export const HostKind = z.enum(['local', 'ssh', 'agent']);
export type HostKind = z.infer<typeof HostKind>;

/**
 * connected: watched and answering. degraded: answering but not fully (slow, events stream down,
 * resync failing). unreachable: not answering (reason says why). stale: a push host with no report for
 * 3 intervals. pending: never connected / never reported yet.
 */
export const HostState = z.enum(['pending', 'connected', 'degraded', 'unreachable', 'stale']);
export type HostState = z.infer<typeof HostState>;

export const HostStatus = z.object({
  state: HostState,
  /** Why, in words an admin can act on; empty when connected. */
  reason: z.string(),
  /** ISO time the host entered this state. */
  since: z.string(),
});
export type HostStatus = z.infer<typeof HostStatus>;

const label = displayName({
  max: 64,
  minMessage: 'a label is required',
  maxMessage: 'a label is at most 64 characters',
}).refine((s) => !/[<>]/.test(s), 'a label may not contain < >');

/** An absolute unix socket path, no traversal, no shell metacharacters. */
export const SocketPath = z
  .string()
  .max(256)
  .regex(
    /^\/[A-Za-z0-9_./-]+$/,
    'the Docker socket is an absolute path of letters, digits, "_", "-", "." and "/"',
  )
  .refine((s) => !s.split('/').includes('..'), 'the Docker socket path may not contain ".."');

/** A DNS name, IPv4 or bracketless IPv6 literal. Nothing that a shell or URL parser would read twice. */
export const SshHostName = z
  .string()
  .min(1, 'the SSH host is required')
  .max(253)
  .regex(/^[A-Za-z0-9.:-]+$/, 'the SSH host is a DNS name or an IP address (letters, digits, ".", ":", "-")')
  .refine((s) => !s.startsWith('-'), 'the SSH host may not start with "-"');

export const SshUserName = z
  .string()
  .min(1, 'the SSH user is required')
  .max(64)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'the SSH user is letters, digits, "_", "." and "-"');

export const Fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a host key fingerprint looks like SHA256:<43 base64 characters>');

const privateKey = z
  .string()
  .max(16 * 1024, 'a private key is at most 16 KiB')
  .refine(
    (s) => /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(s),
    'paste the private key in PEM or OpenSSH format',
  );
const secret = z.string().min(1).max(1024);

export const SshJumpInput = z
  .object({
    host: SshHostName,
    port: z.number().int().min(1).max(65535).default(22),
    username: SshUserName,
    privateKey: privateKey.optional(),
    passphrase: secret.optional(),
    password: secret.optional(),
    hostKeyFingerprint: Fingerprint.nullish(),
  })
  .strict();
export type SshJumpInput = z.infer<typeof SshJumpInput>;

const common = {
  label,
  protected: z.boolean().default(false),
};

export const CreateLocalHost = z
  .object({ kind: z.literal('local'), ...common, socketPath: SocketPath.default('/var/run/docker.sock') })
  .strict();
export const CreateSshHost = z
  .object({
    kind: z.literal('ssh'),
    ...common,
    host: SshHostName,
    port: z.number().int().min(1).max(65535).default(22),
    username: SshUserName,
    privateKey: privateKey.optional(),
    passphrase: secret.optional(),
    password: secret.optional(),
    /** Pin now, or leave empty: the deck connects, shows the presented fingerprint, an admin confirms it. */
    hostKeyFingerprint: Fingerprint.nullish(),
    socketPath: SocketPath.default('/var/run/docker.sock'),
    jump: SshJumpInput.nullish(),
  })
  .strict()
  .refine((b) => b.privateKey !== undefined || b.password !== undefined, {
    message: 'give a private key or a password for the SSH user',
    path: ['privateKey'],
  });
export const CreateAgentHost = z
  .object({
    kind: z.literal('agent'),
    ...common,
    /** Seconds between reports the agent is told to use; stale after 3 missed. */
    intervalSeconds: z.number().int().min(5).max(3600).default(30),
  })
  .strict();

export const CreateHostBody = z.discriminatedUnion('kind', [CreateLocalHost, CreateSshHost, CreateAgentHost]);
export type CreateHostBody = z.infer<typeof CreateHostBody>;

/** Every field optional; secrets replaced only when sent (`null` clears a password/key). */
export const UpdateHostBody = z
  .object({
    label: label.optional(),
    protected: z.boolean().optional(),
    socketPath: SocketPath.optional(),
    host: SshHostName.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    username: SshUserName.optional(),
    privateKey: privateKey.nullable().optional(),
    passphrase: secret.nullable().optional(),
    password: secret.nullable().optional(),
    hostKeyFingerprint: Fingerprint.nullable().optional(),
    jump: SshJumpInput.nullable().optional(),
    intervalSeconds: z.number().int().min(5).max(3600).optional(),
  })
  .strict();
export type UpdateHostBody = z.infer<typeof UpdateHostBody>;

const keysOf = <S extends z.ZodObject>(schema: S) =>
  Object.keys(schema.shape) as Extract<keyof S['shape'], string>[];

/**
 * The fields each kind of host takes, read off the create schemas above, so the server's checks
 * and the web's forms cannot drift from the contract (or from each other).
 */
export const HOST_FIELDS = {
  local: keysOf(CreateLocalHost),
  ssh: keysOf(CreateSshHost),
  agent: keysOf(CreateAgentHost),
};
/** Every field a create body may carry, over all kinds. */
export const CREATE_HOST_FIELDS = [
  ...new Set([...HOST_FIELDS.local, ...HOST_FIELDS.ssh, ...HOST_FIELDS.agent]),
];
/** Every field an update body may carry. */
export const UPDATE_HOST_FIELDS = keysOf(UpdateHostBody);

/** The kinds of host a field of an update applies to (e.g. `socketPath`: local and ssh). */
export function hostKindsTaking(field: string): HostKind[] {
  return (Object.keys(HOST_FIELDS) as HostKind[]).filter((k) => (HOST_FIELDS[k] as string[]).includes(field));
}

export const ConfirmHostKeyBody = z
  .object({
    /** The fingerprint the admin compared; must equal what the host presented. */
    fingerprint: Fingerprint,
    /** Confirm the jump host's key instead of the target's. */
    jump: z.boolean().default(false),
  })
  .strict();
export type ConfirmHostKeyBody = z.infer<typeof ConfirmHostKeyBody>;

export const Host = z.object({
  id: z.string(),
  kind: HostKind,
  label: z.string(),
  protected: z.boolean(),
  status: HostStatus,
  containerCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  local: z.object({ socketPath: z.string() }).nullable(),
  ssh: z
    .object({
      host: z.string(),
      port: z.number().int(),
      username: z.string(),
      socketPath: z.string(),
      auth: z.enum(['key', 'password']),
      hostKeyFingerprint: z.string().nullable(),
      /** What the host presented when no pin matched/existed; confirm it with POST .../confirm-host-key. */
      presentedFingerprint: z.string().nullable(),
      jump: z
        .object({
          host: z.string(),
          port: z.number().int(),
          username: z.string(),
          hostKeyFingerprint: z.string().nullable(),
          presentedFingerprint: z.string().nullable(),
        })
        .nullable(),
    })
    .nullable(),
  agent: z
    .object({
      intervalSeconds: z.number().int(),
      /** First characters of the token, to tell tokens apart; never the secret. */
      tokenPrefix: z.string(),
      lastReportAt: z.string().nullable(),
      hostname: z.string().nullable(),
    })
    .nullable(),
});
export type Host = z.infer<typeof Host>;

export const HostList = z.object({ items: z.array(Host) });
export type HostList = z.infer<typeof HostList>;

/** Create (or token rotation) answer: the agent token appears here once and never again. */
export const CreatedHost = z.object({
  host: Host,
  agentToken: z.string().nullable(),
  /** Copy-paste install commands for an agent host, with the token; null for other kinds. */
  installCommand: z.string().nullable(),
  /**
   * Set when the install command names an address another machine cannot reach (loopback: the
   * deck was opened at 127.0.0.1 or localhost and no publicUrl is configured); says what to do.
   */
  installWarning: z.string().nullable(),
});
export type CreatedHost = z.infer<typeof CreatedHost>;

export const HostIdParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a host id is letters, digits, "_" and "-"'),
});

/** Host tokens: `alh_<hostId>_<secret>`. */
export const HOST_TOKEN_PREFIX = 'alh_';

export const hostsApi = {
  list: endpoint({
    path: '/api/hosts',
    guard: 'viewer',
    summary: 'Every host with its status (never its secrets).',
    tags: ['hosts'],
    response: HostList,
  }),
  create: endpoint({
    method: 'POST',
    path: '/api/hosts',
    guard: 'admin+unlock',
    summary: 'Add a host (local engine, SSH, or push agent). An agent token appears in this answer only.',
    tags: ['hosts'],
    body: CreateHostBody,
    response: CreatedHost,
    status: 201,
  }),
  get: endpoint({
    path: '/api/hosts/:id',
    guard: 'viewer',
    summary: 'One host with its status.',
    tags: ['hosts'],
    params: HostIdParams,
    response: Host,
  }),
  update: endpoint({
    method: 'PATCH',
    path: '/api/hosts/:id',
    guard: 'admin+unlock',
    summary: 'Edit a host; secrets are replaced only when sent.',
    tags: ['hosts'],
    params: HostIdParams,
    body: UpdateHostBody,
    response: Host,
  }),
  remove: endpoint({
    method: 'DELETE',
    path: '/api/hosts/:id',
    guard: 'admin+unlock',
    summary: 'Remove a host, its secrets and its containers from the fleet.',
    tags: ['hosts'],
    params: HostIdParams,
    response: Ok,
  }),
  confirmHostKey: endpoint({
    method: 'POST',
    path: '/api/hosts/:id/confirm-host-key',
    guard: 'admin+unlock',
    summary: 'Pin the SSH host key the host presented, after comparing it out of band.',
    tags: ['hosts'],
    params: HostIdParams,
    body: ConfirmHostKeyBody,
    response: Host,
  }),
  rotateToken: endpoint({
    method: 'POST',
    path: '/api/hosts/:id/rotate-token',
    guard: 'admin+unlock',
    summary: "Replace a push host's token; the old one stops working at once. The new one appears here only.",
    tags: ['hosts'],
    params: HostIdParams,
    response: CreatedHost,
  }),
  reconnect: endpoint({
    method: 'POST',
    path: '/api/hosts/:id/reconnect',
    guard: 'operator',
    summary: 'Drop and re-open the connection to an engine host now.',
    tags: ['hosts'],
    params: HostIdParams,
    response: Host,
  }),
};
