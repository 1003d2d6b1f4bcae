import type { Injection, Route } from '@airlock/contract/gateway';
import type { RuntimeKind } from './runtime.port';

/** A profile as a session needs it: routes name credentials by name; limits already merged with defaults. */
export interface SessionProfile {
  id: string;
  name: string;
  runtime: RuntimeKind;
  image: string | null;
  limits: { pids: number; memoryMb: number; cpus: number };
  routes: Route[];
}

/** What the sessions module needs of profiles (the profiles module implements it). */
export interface ProfileSource {
  /** By name or id; null when there is none. */
  resolve(ref: string): Promise<SessionProfile | null>;
  /** Called after a profile is changed (live policy update) — and asked before one is removed. */
  onChange(listener: (profileId: string) => void): void;
}

/** A credential with its value, for the gateway only. */
export interface SessionCredential {
  name: string;
  value: string;
  inject: Injection;
  hosts: string[];
  /** The env var the sandbox gets set to the placeholder, if any. */
  env: string | null;
}

/** A vault secret the gateway must never let out of a sandbox, toward any host (never injected). */
export interface SensitiveSecret {
  /** What a block names, e.g. `credential:github` or `ssh:web-1:password`; never the value. */
  name: string;
  value: string;
}

/** What the sessions module needs of the credential vault. */
export interface CredentialSource {
  forSession(names: string[]): Promise<SessionCredential[]>;
}

/**
 * Every other secret the vault holds (credentials of other profiles, SSH passwords and keys of the
 * fleet's hosts): DESIGN.md promises that no vault secret leaves toward anywhere but its bound
 * destination, and a sandbox could meet one in a work dir or a log.
 */
export interface SensitiveSource {
  sensitiveSecrets(): Promise<SensitiveSecret[]>;
  /** Called after the vault changed, so running sessions get the new list. */
  onChange(listener: () => void): void;
}
