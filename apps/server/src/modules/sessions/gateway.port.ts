import type { GatewayEvent, SessionPolicy, SessionPutResult } from '@airlock/contract/gateway';
import type { GatewayHealth } from '@airlock/contract/system';

/**
 * What the sessions module needs of the egress gateway (apps/gateway, its own process). The adapter
 * (`adapters/gateway.process.ts`) spawns and supervises it and speaks the control protocol of
 * `@airlock/contract/gateway`. While the gateway is not up every call rejects with `Unavailable`,
 * and no sandbox traffic leaves (the sandbox's only way out is the gateway's socket).
 */
export interface Gateway {
  health(): GatewayHealth;
  /** Creates the session's socket and CA if new; replaces its policy (live) either way. */
  putSession(id: string, policy: SessionPolicy): Promise<SessionPutResult>;
  removeSession(id: string): Promise<void>;
  listSessions(): Promise<string[]>;
  /** Where the gateway puts a session's socket directory (for reconcile: it may hold stale ones). */
  socketRoot(): string;
  onEvent(listener: (event: GatewayEvent) => void): void;
  /** Called each time the gateway is (again) up and configured: re-send every policy. */
  onUp(listener: () => void): void;
  /** Called whenever health() changes (state or reason), so the UI hears of an outage at once. */
  onHealth(listener: (health: GatewayHealth) => void): void;
  stop(): Promise<void>;
}
