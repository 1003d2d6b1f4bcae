import { createContext, use, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { StreamConnection, type StreamMessageOf, type StreamStatus, type StreamType } from './stream';
import { auditListKey, insertLiveAuditEvent } from './audit';
import { meQuery } from './auth';
import { applyLiveContainers, containersKey } from './containers';
import { hostsQuery, removeCachedHost, upsertCachedHost } from './hosts';
import { addCachedBlock, sessionsQuery, updateCachedSession } from './sessions';
import { healthQuery } from './system';

const StreamContext = createContext<StreamConnection | null>(null);

/** Owns the app's one live-stream socket for as long as someone is signed in. */
export function StreamProvider({ children }: { children: ReactNode }) {
  const [conn] = useState(() => new StreamConnection());
  const qc = useQueryClient();

  useEffect(() => {
    conn.start();
    return () => conn.stop();
  }, [conn]);

  useEffect(() => conn.subscribe('audit.appended', (msg) => insertLiveAuditEvent(qc, msg.event)), [conn, qc]);

  useEffect(() => {
    const offs = [
      conn.subscribe('containers.upsert', (msg) => applyLiveContainers(qc, msg)),
      conn.subscribe('containers.remove', (msg) => applyLiveContainers(qc, msg)),
      conn.subscribe('containers.replace', (msg) => applyLiveContainers(qc, msg)),
      conn.subscribe('host.updated', (msg) => upsertCachedHost(qc, msg.host)),
      conn.subscribe('host.removed', (msg) => {
        removeCachedHost(qc, msg.hostId);
        applyLiveContainers(qc, msg);
      }),
      conn.subscribe('session.updated', (msg) => updateCachedSession(qc, msg.session, msg.removed)),
      conn.subscribe('session.blocked', (msg) => addCachedBlock(qc, msg.sessionId, msg.block)),
      conn.subscribe('gateway.health', (msg) => {
        if (qc.getQueryData(healthQuery.queryKey))
          qc.setQueryData(healthQuery.queryKey, (old) => old && { ...old, gateway: msg.gateway });
        else void qc.invalidateQueries({ queryKey: healthQuery.queryKey });
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [conn, qc]);

  useEffect(
    () =>
      conn.onOpen((reconnected) => {
        // Gateway health changes only arrive as events from now on: one that happened before this
        // socket opened (between the page's first health answer and now, or while disconnected)
        // is read once here.
        void qc.invalidateQueries({ queryKey: healthQuery.queryKey });
        // Events sent while we were disconnected are gone from the stream; fetch them instead.
        if (reconnected) {
          void qc.invalidateQueries({ queryKey: auditListKey });
          void qc.invalidateQueries({ queryKey: containersKey });
          void qc.invalidateQueries({ queryKey: hostsQuery.queryKey });
          void qc.invalidateQueries({ queryKey: sessionsQuery.queryKey });
        }
      }),
    [conn, qc],
  );

  useEffect(
    () =>
      conn.onStatus(() => {
        // A browser never shows a WebSocket's HTTP status; an expired session looks like a
        // failing socket. Re-checking the session lets the app show the login page instead.
        if (conn.status === 'reconnecting') void qc.invalidateQueries({ queryKey: meQuery.queryKey });
      }),
    [conn, qc],
  );

  return <StreamContext value={conn}>{children}</StreamContext>;
}

export function useStream(): StreamConnection {
  const conn = use(StreamContext);
  if (!conn) throw new Error('useStream must be used inside <StreamProvider>');
  return conn;
}

export function useStreamStatus(): StreamStatus {
  const conn = useStream();
  return useSyncExternalStore(
    (cb) => conn.onStatus(cb),
    () => conn.status,
  );
}

/** Calls `handler` for every message of `type`; the latest handler is used without resubscribing. */
export function useStreamEvent<T extends StreamType>(
  type: T,
  handler: (msg: StreamMessageOf<T>) => void,
): void {
  const conn = useStream();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => conn.subscribe(type, (msg) => ref.current(msg)), [conn, type]);
}
