import { Badge, Group, Text, Tooltip } from '@mantine/core';
import type { Health, StatusClass } from '@airlock/contract/fleet';
import type { HostState } from '@airlock/contract/hosts';

export const STATUS_COLOR: Record<StatusClass, string> = { red: 'red', amber: 'yellow', green: 'teal' };

/** Red is filled and loud; amber is light; green is a quiet dot. */
export function ContainerStatusBadge({
  status,
  reason,
  withReason = true,
}: {
  status: StatusClass;
  reason: string;
  withReason?: boolean;
}) {
  const badge = (
    <Badge
      color={STATUS_COLOR[status]}
      variant={status === 'red' ? 'filled' : status === 'amber' ? 'light' : 'dot'}
      size="sm"
      radius="sm"
      tt="none"
      style={{ flexShrink: 0 }}
      data-testid="status-badge"
      data-status={status}
    >
      {status}
    </Badge>
  );
  if (!withReason || status === 'green') return badge;
  return (
    <Group gap={6} wrap="nowrap" miw={0}>
      {badge}
      <Tooltip label={reason} openDelay={300} withArrow disabled={!reason}>
        <Text
          size="xs"
          // Theme colours, not fixed shades: the theme picks the shade that reads on the row's tint.
          c={status === 'red' ? 'red' : 'yellow'}
          fw={500}
          truncate="end"
          data-testid="status-reason"
        >
          {reason}
        </Text>
      </Tooltip>
    </Group>
  );
}

const HEALTH_COLOR: Record<Health, string> = {
  healthy: 'teal',
  unhealthy: 'red',
  starting: 'yellow',
  none: 'gray',
};

export function HealthText({ health }: { health: Health }) {
  if (health === 'none') {
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  }
  return (
    <Text size="sm" c={HEALTH_COLOR[health]} fw={health === 'unhealthy' ? 600 : 400}>
      {health}
    </Text>
  );
}

export const HOST_STATE_COLOR: Record<HostState, string> = {
  connected: 'teal',
  degraded: 'yellow',
  unreachable: 'red',
  stale: 'yellow',
  pending: 'gray',
};

export function HostStatusBadge({ state }: { state: HostState }) {
  return (
    <Badge
      color={HOST_STATE_COLOR[state]}
      variant={state === 'unreachable' ? 'filled' : 'light'}
      size="sm"
      radius="sm"
      tt="none"
      data-testid="host-status"
      data-state={state}
      style={{ flexShrink: 0 }}
    >
      {state}
    </Badge>
  );
}
