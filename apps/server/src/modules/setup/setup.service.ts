import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { SetupBody } from '@airlock/contract/auth';
import type { Db } from '../../db/db';
import type { UsersTable } from '../../db/schema';
import { UserError } from '../../lib/errors';
import { hashPassword, newId, randomToken, safeEqual } from '../../lib/crypto';
import { writeFileAtomic } from '../../config/home';
import type { AuditService } from '../audit/audit.module';

/**
 * First-run setup: no default password. A one-time token is printed and written to
 * `$AIRLOCK_HOME/setup-token` (0600); using it creates the first admin and closes setup for good
 * (a `setup_done` row in meta, so deleting users later never reopens it).
 */
export class SetupService {
  private token: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly tokenFile: string,
    private readonly audit: AuditService,
  ) {}

  async isDone(): Promise<boolean> {
    const row = await this.db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'setup_done')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Returns the setup token when setup is still open (reusing the file across restarts). */
  async prepare(): Promise<string | null> {
    if (await this.isDone()) {
      if (existsSync(this.tokenFile)) rmSync(this.tokenFile);
      return null;
    }
    const existing = existsSync(this.tokenFile) ? readFileSync(this.tokenFile, 'utf8').trim() : '';
    this.token = existing.length >= 32 ? existing : randomToken(24);
    if (this.token !== existing) writeFileAtomic(this.tokenFile, this.token + '\n');
    return this.token;
  }

  async complete(body: SetupBody): Promise<UsersTable> {
    if (await this.isDone())
      throw new UserError(409, 'setup_closed', 'Setup is already done. Sign in instead.');
    if (!this.token || !safeEqual(body.token.trim(), this.token)) {
      throw new UserError(
        403,
        'forbidden',
        'Wrong setup token. Use the one printed at start-up or in $AIRLOCK_HOME/setup-token.',
        [{ path: 'body.token', message: 'is wrong' }],
      );
    }
    const user: UsersTable = {
      id: newId(),
      username: body.username,
      password_hash: await hashPassword(body.password),
      role: 'admin',
      disabled: 0,
      must_change_password: 0,
      created_at: new Date().toISOString(),
      last_login_at: null,
    };
    // One transaction: either the admin exists and setup is closed, or neither.
    const closed = await this.db.transaction().execute(async (trx) => {
      const done = await trx
        .selectFrom('meta')
        .select('value')
        .where('key', '=', 'setup_done')
        .executeTakeFirst();
      if (done) return false;
      await trx.insertInto('users').values(user).execute();
      await trx.insertInto('meta').values({ key: 'setup_done', value: user.created_at }).execute();
      return true;
    });
    if (!closed) throw new UserError(409, 'setup_closed', 'Setup is already done. Sign in instead.');
    this.token = null;
    if (existsSync(this.tokenFile)) rmSync(this.tokenFile);
    await this.audit.append({
      actor: { type: 'user', id: user.id, name: user.username },
      action: 'setup.complete',
      target: `user:${user.username}`,
      details: { role: 'admin' },
    });
    return user;
  }
}
