import { z } from 'zod';
import { Fingerprint, type HostKind, type HostStatus } from '@airlock/contract/hosts';

/**
 * What a host row holds, parsed. `config` is non-secret and stored as JSON; SSH credentials are
 * sealed in the vault (`secrets` column, aad `host:<id>:ssh`) and only opened to connect.
 */

export const LocalConfig = z.object({ socketPath: z.string() });
export const SshEndpointConfig = z.object({
  host: z.string(),
  port: z.number().int(),
  username: z.string(),
  hostKeyFingerprint: Fingerprint.nullable(),
});
export const SshConfig = SshEndpointConfig.extend({
  socketPath: z.string(),
  auth: z.enum(['key', 'password']),
  jump: SshEndpointConfig.nullable(),
});
export const AgentConfig = z.object({ intervalSeconds: z.number().int() });

export const SshCredentials = z.object({
  privateKey: z.string().optional(),
  passphrase: z.string().optional(),
  password: z.string().optional(),
});
export const SshSecrets = SshCredentials.extend({ jump: SshCredentials.nullable() });

export type LocalConfig = z.infer<typeof LocalConfig>;
export type SshConfig = z.infer<typeof SshConfig>;
export type AgentConfig = z.infer<typeof AgentConfig>;
export type SshCredentials = z.infer<typeof SshCredentials>;
export type SshSecrets = z.infer<typeof SshSecrets>;

export type HostRecord = {
  id: string;
  label: string;
  protected: boolean;
  createdAt: string;
  updatedAt: string;
} & (
  | { kind: 'local'; config: LocalConfig }
  | { kind: 'ssh'; config: SshConfig }
  | { kind: 'agent'; config: AgentConfig; tokenPrefix: string }
);

/** A host nobody has connected to (or heard from) yet. */
export const pendingStatus = (reason = 'Not connected yet.'): HostStatus => ({
  state: 'pending',
  reason,
  since: new Date().toISOString(),
});

export const sshSecretsAad = (hostId: string): string => `host:${hostId}:ssh`;

export function isHostKind(s: string): s is HostKind {
  return s === 'local' || s === 'ssh' || s === 'agent';
}
