import { Badge, Group, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import type { ContainerDetail } from '@airlock/contract/fleet';
import type { Host } from '@airlock/contract/hosts';
import { ContainerStatusBadge, HostStatusBadge } from '../../components/StatusBadges';
import { uptimeOf } from '../../lib/format';
import { useNow } from '../../lib/use-now';
import { ActionsBar } from './ActionsBar';

/** Name, status, host, state and uptime, and the actions; `c` is undefined while loading. */
export function ContainerHeader({
  c,
  hostId,
  host,
  gone,
}: {
  c: ContainerDetail | undefined;
  hostId: string;
  host: Host | undefined;
  gone: boolean;
}) {
  const now = useNow(1_000);
  const push = host?.kind === 'agent';
  const uptime = c && !gone ? uptimeOf(c, now) : null;
  return (
    <Paper
      withBorder
      radius="md"
      p="md"
      style={
        c?.status === 'red' && !gone
          ? {
              boxShadow: 'inset 4px 0 0 var(--mantine-color-red-filled)',
              background: 'var(--mantine-color-red-light)',
            }
          : undefined
      }
    >
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md">
        <Stack gap={6} miw={0} style={{ flex: 1 }}>
          <Group gap="sm" wrap="wrap">
            <Title order={2} fz="h3" data-testid="container-name" style={{ wordBreak: 'break-all' }}>
              {c ? c.name : <Skeleton h={24} w={200} />}
            </Title>
            {c && gone && (
              <Badge
                color="gray"
                variant="filled"
                size="sm"
                radius="sm"
                tt="none"
                data-testid="container-gone-badge"
              >
                removed
              </Badge>
            )}
            {c && !gone && <ContainerStatusBadge status={c.status} reason={c.statusReason} />}
          </Group>
          <Group gap="xs" wrap="wrap">
            <Text size="sm" c="dimmed">
              on
            </Text>
            <Text size="sm" fw={600} data-testid="container-host">
              {host?.label ?? hostId}
            </Text>
            {host && <HostStatusBadge state={host.status.state} />}
            {push && (
              <Badge color="gray" variant="outline" size="sm" radius="sm" tt="none">
                read-only push host
              </Badge>
            )}
            {host?.protected && (
              <Badge color="orange" variant="light" size="sm" radius="sm" tt="none">
                protected
              </Badge>
            )}
            {c && (
              <Text size="sm" c="dimmed" data-testid="container-header-state">
                · {gone ? 'removed' : c.state}
                {uptime ? ` for ${uptime}` : ''}
              </Text>
            )}
          </Group>
        </Stack>
        {c && <ActionsBar c={c} host={host} gone={gone} />}
      </Group>
      {push && (
        <Text size="xs" c="dimmed" mt="xs">
          Read-only push host: no actions, no logs and no shell. What you see is its last report.
        </Text>
      )}
    </Paper>
  );
}
