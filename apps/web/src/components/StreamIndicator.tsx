import { Badge, Tooltip } from '@mantine/core';
import { useStreamStatus } from '../api/StreamProvider';
import type { StreamStatus } from '../api/stream';

const LOOK: Record<StreamStatus, { label: string; color: string; help: string }> = {
  open: { label: 'Live', color: 'teal', help: 'Changes appear here as they happen.' },
  connecting: { label: 'Connecting', color: 'gray', help: 'Opening the live connection to the server…' },
  reconnecting: {
    label: 'Reconnecting',
    color: 'yellow',
    help: 'The live connection dropped; retrying. What you see may be out of date.',
  },
  closed: { label: 'Offline', color: 'gray', help: 'Not connected to the live stream.' },
};

export function StreamIndicator() {
  const status = useStreamStatus();
  const look = LOOK[status];
  return (
    <Tooltip label={look.help} withArrow multiline w={240}>
      <Badge
        variant="dot"
        color={look.color}
        size="md"
        radius="sm"
        tt="none"
        data-testid="stream-status"
        data-status={status}
      >
        {look.label}
      </Badge>
    </Tooltip>
  );
}
