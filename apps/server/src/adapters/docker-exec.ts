import type { Duplex } from 'node:stream';

// The container shell's end of things: how it says its pid, and how its whole session is ended.

/**
 * The shell announces its pid in an OSC sequence before anything else (`exec` keeps the pid, and a
 * TTY exec is its own session leader, so the pid is also the session id); the adapter strips it.
 */
// eslint-disable-next-line no-control-regex -- the marker is made of terminal control bytes on purpose
export const PID_MARKER = /\x1b\]airlock-pid;(\d{1,10})\x07/;
export const MARKER_WAIT_MS = 5_000;

/**
 * Signals every process of one session inside the container, read off /proc with POSIX sh only
 * (busybox and dash images have no ps or pkill), and exits with how many it found (capped at 100).
 * Args: session id, signal name or 0 to only count. A comm with ") " in it cannot shift the fields:
 * everything up to the last ") " is dropped first. Zombies are ended already: an orphan reparented
 * to an init that never reaps (`sleep infinity` as pid 1) stays one for the container's life.
 */
export const SESSION_SIGNAL_SCRIPT = [
  'sid=$1; sig=$2; n=0',
  'for d in /proc/[0-9]*; do',
  '  read -r l < "$d/stat" 2>/dev/null || continue',
  '  r=${l##*) }',
  '  set -- $r',
  '  if [ "$4" = "$sid" ] && [ "$1" != Z ] && [ "$1" != X ]; then',
  '    n=$((n + 1))',
  '    [ "$sig" = 0 ] || kill -"$sig" "${d#/proc/}" 2>/dev/null',
  '  fi',
  'done',
  '[ "$n" -gt 100 ] && n=100',
  'exit "$n"',
].join('\n');

/** Reads the pid marker off the start of a paused stream and puts back whatever came with it. */
export function takePidMarker(stream: Duplex, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (pid: number | null, rest: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      if (rest.length) stream.unshift(rest);
      resolve(pid);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        buf = Buffer.concat([buf, chunk]);
        const m = PID_MARKER.exec(buf.toString('latin1'));
        if (m) {
          finish(
            Number(m[1]),
            Buffer.concat([buf.subarray(0, m.index), buf.subarray(m.index + m[0].length)]),
          );
          return;
        }
        // A shell that printed this much without the marker will not print it.
        if (buf.length > 8192) {
          finish(null, buf);
          return;
        }
      }
    };
    const onEnd = () => finish(null, buf);
    const timer = setTimeout(() => finish(null, buf), timeoutMs);
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
  });
}
