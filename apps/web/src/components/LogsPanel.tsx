import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  Badge,
  Box,
  Button,
  Group,
  NativeSelect,
  Paper,
  Switch,
  Text,
  TextInput,
  useComputedColorScheme,
} from '@mantine/core';
import { IconDownload, IconPlayerPause, IconPlayerPlay, IconSearch } from '@tabler/icons-react';
import { LogsServerMessage } from '@airlock/contract/fleet';
import { socketCloseReason } from '@airlock/contract/socket-close';
import { logsDownloadUrl, logsSocketUrl } from '../api/containers';
import { parseSocketMessage } from '../api/stream';
import { formatDateTime } from '../lib/format';
import { spanCss, type Scheme } from '../lib/ansi';
import {
  appendLines,
  countMatches,
  filterLines,
  overlayMatches,
  splitMatches,
  type BufferedLine,
} from '../lib/log-buffer';
import { useWindowedRows } from '../lib/windowing';

const LINE_HEIGHT = 19;
const TAIL_OPTIONS = ['50', '200', '1000', '5000', '10000'];

type LogState =
  | { kind: 'connecting' }
  | { kind: 'streaming' }
  | { kind: 'ended'; reason: string }
  | { kind: 'error'; message: string }
  | { kind: 'paused' };

/** A line's ANSI-styled runs as text (never HTML), with search matches highlighted over them. */
function LineText({ line, query, scheme }: { line: BufferedLine; query: string; scheme: Scheme }) {
  const plain = line.spans.length === 1 && Object.keys(line.spans[0]?.style ?? {}).length === 0;
  if (!query.trim() && (plain || line.spans.length === 0)) return <>{line.line}</>;
  return (
    <>
      {overlayMatches(line.spans, splitMatches(line.line, query)).map((s, i) =>
        s.match ? (
          // A match reads black on yellow whatever colour the line asked for.
          <mark
            key={i}
            style={{
              ...spanCss({ ...s.style, fg: undefined, bg: undefined }, scheme),
              background: 'var(--mantine-color-yellow-4)',
              color: 'black',
              borderRadius: 2,
            }}
          >
            {s.text}
          </mark>
        ) : (
          <span key={i} style={spanCss(s.style, scheme)}>
            {s.text}
          </span>
        ),
      )}
    </>
  );
}

/**
 * Live container logs over a WebSocket. Lines are untrusted text and are rendered as text only.
 * The socket closes whenever the panel unmounts or its options change, so the server stops its stream.
 */
export function LogsPanel({ hostId, containerId }: { hostId: string; containerId: string }) {
  const [tail, setTail] = useState('200');
  const [follow, setFollow] = useState(true);
  const [timestamps, setTimestamps] = useState(true);
  const [query, setQuery] = useState('');
  const [lines, setLines] = useState<BufferedLine[]>([]);
  const [state, setState] = useState<LogState>({ kind: 'connecting' });
  const [generation, setGeneration] = useState(0);
  const seq = useRef(0);
  const stick = useRef(true);
  const scheme = useComputedColorScheme('light');

  useEffect(() => {
    // Paused: the socket closes and what was loaded stays; resuming reloads the tail and follows again.
    if (!follow) {
      setState({ kind: 'paused' });
      return undefined;
    }
    setLines([]);
    seq.current = 0;
    stick.current = true;
    setState({ kind: 'connecting' });
    const ws = new WebSocket(
      logsSocketUrl(hostId, containerId, { tail: Number(tail), follow: true, timestamps: true }),
    );
    let ended = false;
    ws.onopen = () => setState({ kind: 'streaming' });
    ws.onmessage = (ev: MessageEvent) => {
      const msg = parseSocketMessage(LogsServerMessage, ev.data);
      if (!msg) return;
      switch (msg.type) {
        case 'lines': {
          const start = seq.current;
          seq.current += msg.lines.length;
          setLines((old) => appendLines(old, msg.lines, start));
          break;
        }
        case 'end':
          ended = true;
          setState({ kind: 'ended', reason: msg.reason });
          break;
        case 'error':
          ended = true;
          setState({ kind: 'error', message: msg.message });
          break;
      }
    };
    ws.onclose = (ev) => {
      if (ended) return;
      const revoked = socketCloseReason(ev.code);
      setState(
        revoked
          ? { kind: 'error', message: revoked }
          : ev.code === 1000
            ? { kind: 'ended', reason: 'the server closed the log stream' }
            : { kind: 'error', message: `The log stream closed (code ${ev.code}). Reconnect to try again.` },
      );
    };
    return () => {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(1000);
    };
    // `generation` forces a reconnect after the stream ended.
  }, [hostId, containerId, tail, follow, generation]);

  const shown = useMemo(() => filterLines(lines, query), [lines, query]);
  const matches = useMemo(() => countMatches(lines, query), [lines, query]);
  const win = useWindowedRows<HTMLDivElement>(shown.length, LINE_HEIGHT, 20);

  useLayoutEffect(() => {
    const el = win.ref.current;
    if (el && follow && stick.current) el.scrollTop = el.scrollHeight;
  }, [shown, follow, win.ref]);

  const onScroll = () => {
    const el = win.ref.current;
    if (!el) return;
    stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT * 2;
  };

  const statusText =
    state.kind === 'connecting'
      ? 'connecting…'
      : state.kind === 'streaming'
        ? follow
          ? 'following'
          : 'loaded'
        : state.kind === 'paused'
          ? 'paused'
          : state.kind === 'ended'
            ? `ended: ${state.reason}`
            : state.message;

  return (
    <Paper withBorder radius="md" p="sm">
      <Group gap="xs" mb="xs" wrap="wrap" justify="space-between">
        <Group gap="xs" wrap="wrap">
          <NativeSelect
            size="xs"
            aria-label="Lines of history"
            data={TAIL_OPTIONS.map((t) => ({ value: t, label: `last ${t}` }))}
            value={tail}
            onChange={(e) => setTail(e.currentTarget.value)}
            data-testid="logs-tail"
          />
          <Button
            size="xs"
            variant={follow ? 'light' : 'default'}
            leftSection={follow ? <IconPlayerPause size={14} /> : <IconPlayerPlay size={14} />}
            onClick={() => setFollow((f) => !f)}
            data-testid="logs-follow"
            data-following={follow}
          >
            {follow ? 'Pause' : 'Resume'}
          </Button>
          <Switch
            size="xs"
            label="Timestamps"
            checked={timestamps}
            onChange={(e) => setTimestamps(e.currentTarget.checked)}
            data-testid="logs-timestamps"
          />
          <TextInput
            size="xs"
            placeholder="Filter lines"
            aria-label="Filter log lines"
            leftSection={<IconSearch size={13} />}
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            w={200}
            data-testid="logs-search"
          />
          {query.trim() && (
            <Badge
              size="sm"
              variant="light"
              color="yellow"
              tt="none"
              radius="sm"
              data-testid="logs-match-count"
            >
              {matches} {matches === 1 ? 'match' : 'matches'} in {shown.length}{' '}
              {shown.length === 1 ? 'line' : 'lines'}
            </Badge>
          )}
        </Group>
        <Group gap="xs">
          <Text
            size="xs"
            c={state.kind === 'error' ? 'red' : 'dimmed'}
            data-testid="logs-status"
            data-state={state.kind}
          >
            {statusText} · {lines.length} {lines.length === 1 ? 'line' : 'lines'}
          </Text>
          {(state.kind === 'ended' || state.kind === 'error') && (
            <Button
              size="xs"
              variant="default"
              onClick={() => setGeneration((g) => g + 1)}
              data-testid="logs-reconnect"
            >
              Reconnect
            </Button>
          )}
          <Button
            size="xs"
            variant="default"
            component="a"
            href={logsDownloadUrl(hostId, containerId, Number(tail))}
            download
            leftSection={<IconDownload size={14} />}
            data-testid="logs-download"
          >
            Download
          </Button>
        </Group>
      </Group>
      <Box
        ref={win.ref}
        onScroll={onScroll}
        data-testid="logs-view"
        style={{
          height: 'max(320px, calc(100dvh - 400px))',
          overflow: 'auto',
          fontFamily: 'var(--mantine-font-family-monospace)',
          fontSize: 12,
          lineHeight: `${LINE_HEIGHT}px`,
          background: 'var(--mantine-color-default-hover)',
          borderRadius: 6,
        }}
      >
        {shown.length === 0 ? (
          <Text size="sm" c="dimmed" p="sm" data-testid="logs-empty">
            {lines.length === 0 ? 'No log lines yet.' : 'No lines match the filter.'}
          </Text>
        ) : (
          <div style={{ paddingTop: win.padTop, paddingBottom: win.padBottom, minWidth: 'max-content' }}>
            {shown.slice(win.start, win.end).map((l) => (
              <div
                key={l.seq}
                data-testid="log-line"
                data-stream={l.stream}
                style={{
                  height: LINE_HEIGHT,
                  whiteSpace: 'pre',
                  padding: '0 8px',
                  color: l.stream === 'stderr' ? 'var(--mantine-color-red-text)' : undefined,
                  background: l.stream === 'stderr' ? 'var(--mantine-color-red-light)' : undefined,
                }}
              >
                {timestamps && l.ts && (
                  <span style={{ color: 'var(--mantine-color-dimmed)', marginRight: 10 }}>
                    {formatDateTime(l.ts)}
                  </span>
                )}
                <LineText line={l} query={query} scheme={scheme} />
              </div>
            ))}
          </div>
        )}
      </Box>
    </Paper>
  );
}
