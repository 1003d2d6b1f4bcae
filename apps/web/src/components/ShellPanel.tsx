import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { Alert, Box, Button, Group, Paper, Text, useComputedColorScheme } from '@mantine/core';
import { IconLock, IconPlugConnected, IconPlugConnectedX, IconTerminal2 } from '@tabler/icons-react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { ExecServerMessage, type ExecClientMessage } from '@airlock/contract/fleet';
import { execSocketUrl } from '../api/containers';
import { requestUnlock } from '../api/client';
import { useCurrentUser } from '../api/CurrentUser';
import { parseSocketMessage } from '../api/stream';
import { SocketClose, socketCloseReason } from '@airlock/contract/socket-close';

type ShellState =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'ready'; shell: string }
  | { kind: 'exited'; code: number | null }
  | { kind: 'error'; message: string; unlock: boolean }
  | { kind: 'closed' };

const DARK = { background: '#1a1b1e', foreground: '#e4e5e7', cursor: '#e4e5e7' };
const LIGHT = {
  background: '#ffffff',
  foreground: '#1a1b1e',
  cursor: '#1a1b1e',
  selectionBackground: '#c9d2ff',
};

const isUnlocked = (until: string | null) => Boolean(until && Date.parse(until) > Date.now());

/**
 * A shell inside the container: xterm.js over a WebSocket carrying raw terminal bytes both ways.
 * Opening one is a dangerous action (operator + unlock); the server refuses a locked session.
 */
export function ShellPanel({ hostId, containerId }: { hostId: string; containerId: string }) {
  const me = useCurrentUser();
  const scheme = useComputedColorScheme('light');
  const holder = useRef<HTMLDivElement | null>(null);
  const term = useRef<Terminal | null>(null);
  const [state, setState] = useState<ShellState>({ kind: 'idle' });
  const [session, setSession] = useState(0);
  const unlocked = isUnlocked(me.unlockedUntil);

  useEffect(() => {
    if (session === 0 || !holder.current) return undefined;
    const t = new Terminal({
      cursorBlink: true,
      fontFamily: 'ui-monospace, "JetBrains Mono", Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: scheme === 'dark' ? DARK : LIGHT,
    });
    const fit = new FitAddon();
    t.loadAddon(fit);
    t.open(holder.current);
    term.current = t;
    try {
      fit.fit();
    } catch {
      // not laid out yet; the resize observer fits it once it is
    }
    setState({ kind: 'connecting' });
    const ws = new WebSocket(execSocketUrl(hostId, containerId, t.cols, t.rows));
    ws.binaryType = 'arraybuffer';
    let done = false;
    const encoder = new TextEncoder();
    const sendControl = (msg: ExecClientMessage) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    };

    ws.onmessage = (ev: MessageEvent) => {
      if (ev.data instanceof ArrayBuffer) {
        t.write(new Uint8Array(ev.data));
        return;
      }
      const msg = parseSocketMessage(ExecServerMessage, ev.data);
      if (!msg) return;
      switch (msg.type) {
        case 'ready':
          setState({ kind: 'ready', shell: msg.shell });
          sendControl({ type: 'resize', cols: t.cols, rows: t.rows });
          t.focus();
          break;
        case 'exit':
          done = true;
          setState({ kind: 'exited', code: msg.code });
          break;
        case 'error':
          done = true;
          setState({ kind: 'error', message: msg.message, unlock: msg.code === 'unlock_required' });
          break;
      }
    };
    ws.onclose = (ev) => {
      if (done) return;
      // The server ended the shell because the credential behind it changed: say which.
      const ended = socketCloseReason(ev.code);
      if (ended) {
        setState({ kind: 'error', message: ended, unlock: ev.code === SocketClose.unlockExpired });
        return;
      }
      // The browser hides a refused upgrade's HTTP status; a locked session is the likely cause.
      const locked = !isUnlocked(me.unlockedUntil);
      setState(
        ev.code === 1000
          ? { kind: 'closed' }
          : {
              kind: 'error',
              message: locked
                ? 'The server refused the shell: opening one needs an unlock.'
                : `The shell connection closed (code ${ev.code}).`,
              unlock: locked,
            },
      );
    };

    const dataSub = t.onData((d) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(d));
    });
    const binSub = t.onBinary((d) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      const bytes = new Uint8Array(d.length);
      for (let i = 0; i < d.length; i++) bytes[i] = d.charCodeAt(i) & 0xff;
      ws.send(bytes);
    });
    const resizeSub = t.onResize(({ cols, rows }) => sendControl({ type: 'resize', cols, rows }));
    const ro = new ResizeObserver(() => {
      try {
        fit.fit();
      } catch {
        // hidden: nothing to fit
      }
    });
    ro.observe(holder.current);

    return () => {
      ro.disconnect();
      dataSub.dispose();
      binSub.dispose();
      resizeSub.dispose();
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(1000);
      t.dispose();
      term.current = null;
    };
    // The theme is applied live below; a scheme change must not drop the shell.
    // me.unlockedUntil is read only to explain a refusal.
  }, [session, hostId, containerId]);

  useEffect(() => {
    if (term.current) term.current.options.theme = scheme === 'dark' ? DARK : LIGHT;
  }, [scheme]);

  const open = async () => {
    if (!isUnlocked(me.unlockedUntil)) {
      const ok = await requestUnlock();
      if (!ok) return;
    }
    setSession((s) => s + 1);
  };
  const disconnect = () => {
    setSession(0);
    setState({ kind: 'closed' });
  };

  const live = state.kind === 'connecting' || state.kind === 'ready';
  const statusLine =
    state.kind === 'idle'
      ? 'Not connected'
      : state.kind === 'connecting'
        ? 'Connecting…'
        : state.kind === 'ready'
          ? `Connected · ${state.shell}`
          : state.kind === 'exited'
            ? `The shell exited${state.code === null ? '' : ` with code ${state.code}`}`
            : state.kind === 'closed'
              ? 'Disconnected'
              : state.message;

  return (
    <Paper withBorder radius="md" p="sm">
      <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
        <Group gap={8}>
          <IconTerminal2 size={16} />
          <Text
            size="sm"
            c={state.kind === 'error' ? 'red' : state.kind === 'ready' ? 'teal' : 'dimmed'}
            data-testid="shell-status"
            data-state={state.kind}
          >
            {statusLine}
          </Text>
        </Group>
        <Group gap="xs">
          {live ? (
            <Button
              size="xs"
              variant="default"
              leftSection={<IconPlugConnectedX size={14} />}
              onClick={disconnect}
              data-testid="shell-disconnect"
            >
              Disconnect
            </Button>
          ) : unlocked || session > 0 ? (
            <Button
              size="xs"
              leftSection={<IconPlugConnected size={14} />}
              onClick={() => void open()}
              data-testid="shell-connect"
            >
              {session > 0 || state.kind !== 'idle' ? 'Reconnect' : 'Open shell'}
            </Button>
          ) : (
            <Button
              size="xs"
              color="orange"
              leftSection={<IconLock size={14} />}
              onClick={() => void open()}
              data-testid="shell-unlock"
            >
              Unlock to open a shell
            </Button>
          )}
        </Group>
      </Group>
      {state.kind === 'error' && state.unlock && (
        <Alert color="orange" variant="light" icon={<IconLock size={16} />} mb="xs" py="xs">
          A shell in a container is a dangerous action. Unlock with your password, then reconnect.
        </Alert>
      )}
      {session === 0 && state.kind === 'idle' && (
        <Text size="sm" c="dimmed" mb="xs">
          Opens an interactive shell inside the container as its default user. Everything you run there is
          real; the start and end of the session are recorded in the audit log.
        </Text>
      )}
      <Box
        ref={holder}
        data-testid="shell-terminal"
        style={{
          height: 'max(300px, calc(100dvh - 380px))',
          display: session > 0 ? 'block' : 'none',
          padding: 6,
          borderRadius: 6,
          background: scheme === 'dark' ? DARK.background : LIGHT.background,
          border: '1px solid var(--mantine-color-default-border)',
        }}
      />
    </Paper>
  );
}
