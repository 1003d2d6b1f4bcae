import { Badge } from '@mantine/core';
import type { SessionState } from '@airlock/contract/sessions';

const COLOR: Record<SessionState, string> = {
  starting: 'gray',
  running: 'teal',
  failed: 'red',
  lost: 'orange',
};

export function SessionStateBadge({ state }: { state: SessionState }) {
  return (
    <Badge
      color={COLOR[state]}
      variant={state === 'failed' ? 'filled' : 'light'}
      size="sm"
      radius="sm"
      tt="none"
      data-testid="session-state"
      data-state={state}
      style={{ flexShrink: 0 }}
    >
      {state}
    </Badge>
  );
}
