import { roleAtLeast, type Role } from '@airlock/contract/auth';
import type { StreamMessage } from '@airlock/contract/stream';

export interface StreamSubscriber {
  /** Read at every publish, so it may change while subscribed. */
  readonly role: Role;
  send(msg: StreamMessage): void;
}

/**
 * Fan-out of live messages to connected clients. Each message carries the least role allowed to
 * see it, so a viewer's socket never receives what its role may not read over HTTP.
 */
export class StreamHub {
  private readonly subs = new Set<StreamSubscriber>();

  subscribe(sub: StreamSubscriber): () => void {
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  publish(msg: StreamMessage, minRole: Role = 'viewer'): void {
    for (const s of this.subs) {
      if (roleAtLeast(s.role, minRole)) s.send(msg);
    }
  }

  get size(): number {
    return this.subs.size;
  }
}
