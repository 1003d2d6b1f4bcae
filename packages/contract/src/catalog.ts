import { auditApi } from './audit';
import { authApi, setupApi } from './auth';
import { credentialsApi } from './credentials';
import type { AnyEndpoint } from './endpoint';
import { fleetApi } from './fleet';
import { hostsApi } from './hosts';
import { ingestApi } from './ingest';
import { profilesApi } from './profiles';
import { sessionsApi } from './sessions';
import { streamApi } from './stream';
import { systemApi } from './system';
import { tokensApi } from './tokens';
import { usersApi } from './users';

/**
 * Every endpoint of the deck's API, by group. The server must serve exactly these (route-guards
 * test); web and CLI call them through `client.ts`. Import a group from its own module where you
 * use it; this table is for code that needs all of them (the server's registration check, docs).
 */
export const catalog = {
  system: systemApi,
  setup: setupApi,
  auth: authApi,
  users: usersApi,
  tokens: tokensApi,
  audit: auditApi,
  stream: streamApi,
  hosts: hostsApi,
  fleet: fleetApi,
  ingest: ingestApi,
  sessions: sessionsApi,
  credentials: credentialsApi,
  profiles: profilesApi,
} as const;

/** Every endpoint with its catalog name (`group.name`). */
export function allEndpoints(): { name: string; endpoint: AnyEndpoint }[] {
  return Object.entries(catalog).flatMap(([group, eps]) =>
    Object.entries(eps as Record<string, AnyEndpoint>).map(([name, endpoint]) => ({
      name: `${group}.${name}`,
      endpoint,
    })),
  );
}
