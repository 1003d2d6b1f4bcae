import type { ReactNode } from 'react';
import { Badge, Code, EmptyState, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { IconRoute } from '@tabler/icons-react';
import type { Route } from '@airlock/contract/gateway';
import { UNSCANNED_HELP, isUnscanned, portsText } from '../../lib/profiles';
import { UnscannedBadge } from './UnscannedBadge';

const Any = () => (
  <Text size="sm" c="dimmed">
    any
  </Text>
);

function Flag({ on, children }: { on: boolean | undefined; children: ReactNode }) {
  return on ? (
    <Badge variant="light" color="gray" size="sm" radius="sm" tt="none">
      {children}
    </Badge>
  ) : null;
}

function Lines({ items }: { items: readonly string[] | undefined }) {
  if (!items?.length) return <Any />;
  return (
    <Stack gap={2}>
      {items.map((s) => (
        <Code key={s} fz="xs" style={{ overflowWrap: 'anywhere' }}>
          {s}
        </Code>
      ))}
    </Stack>
  );
}

/** A profile's egress allowlist, one row per route; what is not on it is refused. */
export function RoutesTable({ routes }: { routes: readonly Route[] }) {
  if (routes.length === 0) {
    return (
      <Paper withBorder radius="md">
        <EmptyState
          py="xl"
          icon={<IconRoute size={28} stroke={1.5} />}
          withIndicatorBackground
          title="No routes"
          description="A sandbox under this profile can reach nothing at all: every request is refused."
          data-testid="routes-empty"
        />
      </Paper>
    );
  }
  return (
    <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
      <Table.ScrollContainer minWidth={900}>
        <Table verticalSpacing={8} horizontalSpacing="md" fz="sm" data-testid="routes-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Host</Table.Th>
              <Table.Th>Ports</Table.Th>
              <Table.Th>Methods</Table.Th>
              <Table.Th>Paths</Table.Th>
              <Table.Th>Credential</Table.Th>
              <Table.Th>WebSocket</Table.Th>
              <Table.Th>Private addresses</Table.Th>
              <Table.Th>Inspection</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {routes.map((r, i) => (
              <Table.Tr
                key={`${r.host}-${i}`}
                data-testid="route-row"
                data-host={r.host}
                data-unscanned={isUnscanned(r) ? 'true' : 'false'}
              >
                <Table.Td>
                  <Text size="sm" ff="monospace" fw={500} style={{ overflowWrap: 'break-word' }}>
                    {r.host}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text
                    size="sm"
                    ff="monospace"
                    c={r.ports ? undefined : 'dimmed'}
                    style={{ whiteSpace: 'nowrap' }}
                  >
                    {portsText(r)}
                  </Text>
                </Table.Td>
                <Table.Td>{r.methods ? <Text size="sm">{r.methods.join(', ')}</Text> : <Any />}</Table.Td>
                <Table.Td>
                  <Lines items={r.paths} />
                </Table.Td>
                <Table.Td>
                  {r.credential ? (
                    <Code fz="xs" data-testid="route-credential">
                      {r.credential}
                    </Code>
                  ) : (
                    <Text size="sm" c="dimmed">
                      none
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={r.websocket ? undefined : 'dimmed'}>
                    {r.websocket ? 'allowed' : 'no'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={r.allowPrivate ? 'orange' : 'dimmed'} fw={r.allowPrivate ? 500 : 400}>
                    {r.allowPrivate ? 'allowed' : 'refused'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {isUnscanned(r) ? (
                    <Stack gap={4} maw={260}>
                      <UnscannedBadge />
                      <Text size="xs" c="dimmed" data-testid="unscanned-help">
                        {UNSCANNED_HELP}
                      </Text>
                    </Stack>
                  ) : (
                    <Group gap={4}>
                      <Badge color="teal" variant="light" size="sm" radius="sm" tt="none">
                        Intercepted
                      </Badge>
                      <Flag on={r.allowCompressedBody}>compressed bodies</Flag>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
