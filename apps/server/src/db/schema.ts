import type { Generated } from 'kysely';

/**
 * Table types. Times are ISO-8601 strings and booleans are 0/1 integers so the same repos run on
 * SQLite and (later) Postgres without dialect branches in services.
 */
export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  disabled: number;
  created_at: string;
  last_login_at: string | null;
  /** 1: the user can do nothing but change their password (an admin set it for them). */
  must_change_password: number;
}

export interface SessionsTable {
  /** sha256 of the cookie value; the cookie itself is never stored. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  unlocked_until: string | null;
  client_ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  role: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  unlocked_until: string | null;
}

export interface AuditEventsTable {
  seq: number;
  ts: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface HostsTable {
  id: string;
  kind: string;
  label: string;
  protected: number;
  config: string;
  secrets: string | null;
  token_hash: string | null;
  token_prefix: string | null;
  created_at: string;
  updated_at: string;
}

export interface HostSnapshotsTable {
  host_id: string;
  received_at: string;
  hostname: string;
  data: string;
}

export interface SandboxSessionsTable {
  id: string;
  profile_id: string;
  profile_name: string;
  runtime: string;
  state: string;
  state_reason: string | null;
  /** The runtime's handle (container id, bubblewrap state dir) once started. */
  handle: string | null;
  workdir: string;
  created_by: string;
  created_at: string;
  blocked_count: number;
}

export interface SessionBlocksTable {
  id: AutoId;
  session_id: string;
  at: string;
  method: string;
  host: string;
  port: number;
  path: string;
  rule: string;
  reason: string;
}

export interface CredentialsTable {
  id: string;
  name: string;
  /** Vault-sealed value, aad `credential:<id>`. */
  value_sealed: string;
  /** JSON Injection. */
  inject: string;
  /** JSON array of host patterns. */
  hosts: string;
  env: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProfilesTable {
  id: string;
  name: string;
  runtime: string;
  image: string | null;
  /** JSON Limits (only what the profile sets). */
  limits: string;
  /** JSON Route[], `credential` holding the credential's id. */
  routes: string;
  created_at: string;
  updated_at: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  meta: MetaTable;
  hosts: HostsTable;
  host_snapshots: HostSnapshotsTable;
  sandbox_sessions: SandboxSessionsTable;
  session_blocks: SessionBlocksTable;
  credentials: CredentialsTable;
  profiles: ProfilesTable;
}

export type AutoId = Generated<number>;
