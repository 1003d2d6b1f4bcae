import type { ApiTokensTable, UsersTable } from '../../db/schema';

/**
 * What the auth module needs from the users and tokens modules, owned here so auth depends on an
 * interface, not on their repos (the app wiring hands their stores in).
 */
export interface AuthUsers {
  byId(id: string): Promise<UsersTable | undefined>;
  byUsername(username: string): Promise<UsersTable | undefined>;
  update(id: string, patch: Partial<Omit<UsersTable, 'id'>>): Promise<void>;
}

export interface AuthTokens {
  byId(id: string): Promise<ApiTokensTable | undefined>;
  update(id: string, patch: Partial<Omit<ApiTokensTable, 'id'>>): Promise<void>;
}
