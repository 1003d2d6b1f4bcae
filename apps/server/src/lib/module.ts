import type { RouteTable } from './route';

/**
 * What a module shows the rest of the server: its service (the interface other modules may use)
 * and a call that registers its routes. Each module builds its own repos inside its
 * `<domain>.module.ts`; no module imports another's repo, routes or internals (lint).
 */
export interface Module<S> {
  service: S;
  register(routes: RouteTable): void;
}
