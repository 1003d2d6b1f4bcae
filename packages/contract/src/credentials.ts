import { z } from 'zod';
import { endpoint } from './endpoint';
import { Injection, RouteHost } from './gateway';
import { Ok } from './system';

/**
 * Credentials (issue 9): secrets the gateway injects into a sealed session's requests toward the
 * hosts they are bound to. The value goes in once and never comes back out: answers carry a mask,
 * the audit log carries the name, and the sandbox sees only `PLACEHOLDER_VALUE` in its env.
 */

/** What the sandbox's env var holds instead of the value; the gateway swaps in the real one. */
export const PLACEHOLDER_VALUE = 'airlock-managed';

/** Names of credentials and profiles: what routes, the CLI and URLs refer to them by. */
export const Slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'a name is 1-64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

export const EnvName = z
  .string()
  .regex(
    /^[A-Z_][A-Z0-9_]{0,63}$/,
    'an env var name is upper-case letters, digits and "_", not starting with a digit (e.g. ANTHROPIC_API_KEY)',
  );

export const CredentialValue = z
  .string()
  .min(8, 'a credential value is at least 8 characters')
  .max(16384, 'a credential value is at most 16384 characters')
  .refine(
    (s) => !/[\r\n\0]/.test(s),
    'a credential value is a single line: no line breaks (CR, LF) or NUL characters',
  );

/** `name` or id, in a path. */
export const RefParams = z.object({
  ref: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'is not a valid name or id'),
});
export type RefParams = z.infer<typeof RefParams>;

export const Credential = z.object({
  id: z.string(),
  name: z.string(),
  inject: Injection,
  /** Where it may be sent (route host patterns). */
  hosts: z.array(z.string()),
  /** The sandbox env var set to `PLACEHOLDER_VALUE`, if any. */
  env: z.string().nullable(),
  /** E.g. `sk-…a1b2` (first 3 and last 4 characters when the value has 16 or more), else `••••`. */
  valueMasked: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Credential = z.infer<typeof Credential>;

export const CredentialList = z.object({ items: z.array(Credential) });
export type CredentialList = z.infer<typeof CredentialList>;

export const CreateCredentialBody = z.strictObject({
  name: Slug,
  value: CredentialValue,
  inject: Injection,
  hosts: z.array(RouteHost).min(1, 'a credential is bound to at least one host').max(64),
  env: EnvName.optional(),
});
export type CreateCredentialBody = z.infer<typeof CreateCredentialBody>;

export const credentialsApi = {
  list: endpoint({
    path: '/api/credentials',
    guard: 'admin',
    summary: 'Credentials for sealed sessions (masked; values are never returned).',
    tags: ['credentials'],
    response: CredentialList,
  }),
  create: endpoint({
    method: 'POST',
    path: '/api/credentials',
    guard: 'admin+unlock',
    summary: 'Store a credential, sealed in the vault, bound to the hosts it may be sent to.',
    tags: ['credentials'],
    body: CreateCredentialBody,
    response: Credential,
    status: 201,
  }),
  remove: endpoint({
    method: 'DELETE',
    path: '/api/credentials/:ref',
    guard: 'admin+unlock',
    summary: 'Remove a credential (by name or id); refused while a profile route uses it.',
    tags: ['credentials'],
    params: RefParams,
    response: Ok,
  }),
};
