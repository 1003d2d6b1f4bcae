import { z } from 'zod';
import { endpoint } from './endpoint';
import { Ok } from './system';
import { IdParams } from './users';
import { Role } from './auth';
import { displayName } from './text';

export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  /** First characters of the token, to recognise it; the secret itself is never returned again. */
  prefix: z.string(),
  role: Role,
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const TokenList = z.object({ items: z.array(ApiToken) });
export type TokenList = z.infer<typeof TokenList>;

export const CreateTokenBody = z.object({
  name: displayName({ max: 100 }),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const CreatedToken = z.object({ token: ApiToken, secret: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;

/** API tokens look like `alk_<id>_<secret>` so a leaked one is recognisable by secret scanners. */
export const TOKEN_PREFIX = 'alk_';

export const tokensApi = {
  list: endpoint({
    path: '/api/tokens',
    guard: 'viewer',
    summary: "The caller's API tokens (never their secrets).",
    tags: ['tokens'],
    response: TokenList,
  }),
  create: endpoint({
    method: 'POST',
    path: '/api/tokens',
    guard: 'viewer+unlock',
    summary: "Create an API token with the caller's role; the secret is in this response only.",
    tags: ['tokens'],
    body: CreateTokenBody,
    response: CreatedToken,
    status: 201,
  }),
  revoke: endpoint({
    method: 'DELETE',
    path: '/api/tokens/:id',
    guard: 'viewer',
    summary: 'Revoke an API token (your own; admins: any).',
    tags: ['tokens'],
    params: IdParams,
    response: Ok,
  }),
};
