import { StreamClientMessage, streamApi, type StreamMessage } from '@airlock/contract/stream';
import type { RouteTable } from '../../lib/route';
import { CLOSE_TOO_SLOW, MAX_BUFFERED, readControl } from '../../lib/ws-stream';
import type { StreamHub } from './stream.hub';

const PING_MS = 25_000;

export function streamRoutes(routes: RouteTable, hub: StreamHub): void {
  routes.ws(streamApi.stream, (socket, { live }) => {
    const send = (msg: StreamMessage) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED) {
        socket.close(CLOSE_TOO_SLOW, 'client too slow');
        return;
      }
      socket.send(JSON.stringify(msg));
    };
    // The role is read at each message, as of the last re-check: a demoted user's stream stops
    // carrying what the new role may not see (LiveSockets).
    const unsubscribe = hub.subscribe({
      get role() {
        return live.current.user.role;
      },
      send,
    });
    send({ type: 'hello', serverTime: new Date().toISOString() });
    const ping = setInterval(() => send({ type: 'ping', serverTime: new Date().toISOString() }), PING_MS);
    socket.on('message', (data: Buffer) => {
      if (!readControl(StreamClientMessage, data.toString('utf8'))) socket.close(1003, 'unknown message');
    });
    socket.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });
}
