import {
  TOKEN_PREFIX,
  type ApiToken,
  type CreateTokenBody,
  type CreatedToken,
} from '@airlock/contract/tokens';
import type { ApiTokensTable } from '../../db/schema';
import { notFound } from '../../lib/errors';
import { randomToken, sha256 } from '../../lib/crypto';
import type { AuthContext } from '../../lib/route';
import { storedRole } from '../../lib/stored-role';
import { actorOf, type AuditService } from '../audit/audit.module';
import type { TokensRepo } from './tokens.repo';

function toToken(r: ApiTokensTable): ApiToken {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: storedRole(r.role, `API token ${r.id}`),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
  };
}

export class TokensService {
  constructor(
    private readonly repo: TokensRepo,
    private readonly audit: AuditService,
  ) {}

  async list(auth: AuthContext): Promise<ApiToken[]> {
    return (await this.repo.listForUser(auth.user.id)).map(toToken);
  }

  /** The secret is returned once; only its sha256 is stored. */
  async create(auth: AuthContext, body: CreateTokenBody): Promise<CreatedToken> {
    const id = randomToken(9).replace(/_/g, '-');
    const secret = randomToken(32);
    const full = `${TOKEN_PREFIX}${id}_${secret}`;
    const now = Date.now();
    const row: ApiTokensTable = {
      id,
      user_id: auth.user.id,
      name: body.name,
      prefix: full.slice(0, TOKEN_PREFIX.length + id.length + 5),
      secret_hash: sha256(secret),
      role: auth.user.role,
      created_at: new Date(now).toISOString(),
      last_used_at: null,
      expires_at: body.expiresInDays ? new Date(now + body.expiresInDays * 86_400_000).toISOString() : null,
      revoked_at: null,
      unlocked_until: null,
    };
    await this.repo.insert(row);
    await this.audit.append({
      actor: actorOf(auth),
      action: 'token.create',
      target: `token:${id}`,
      details: { name: body.name, expiresAt: row.expires_at },
    });
    return { token: toToken(row), secret: full };
  }

  /** Users revoke their own tokens; an admin may revoke anyone's. Others get "not found". */
  async revoke(auth: AuthContext, id: string): Promise<void> {
    const row = await this.repo.byId(id);
    if (!row || row.revoked_at || (row.user_id !== auth.user.id && auth.user.role !== 'admin'))
      throw notFound('Token');
    await this.repo.update(id, { revoked_at: new Date().toISOString() });
    await this.audit.append({
      actor: actorOf(auth),
      action: 'token.revoke',
      target: `token:${id}`,
      details: { name: row.name },
    });
  }
}
