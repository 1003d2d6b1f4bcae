import type { Module } from '../../lib/module';
import { StreamHub } from './stream.hub';
import { streamRoutes } from './stream.routes';

export { StreamHub, type StreamSubscriber } from './stream.hub';

/** The live stream: one hub every module publishes to, one WebSocket endpoint. */
export function streamModule(): Module<StreamHub> {
  const hub = new StreamHub();
  return { service: hub, register: (routes) => streamRoutes(routes, hub) };
}
