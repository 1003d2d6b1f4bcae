import { Table, Text } from '@mantine/core';
import type { ContainerDetail } from '@airlock/contract/fleet';

export function NetworksTab({ c }: { c: ContainerDetail }) {
  if (c.networks.length === 0)
    return (
      <Text size="sm" c="dimmed">
        Not attached to any network.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table fz="sm" verticalSpacing={4} data-testid="container-networks">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Network</Table.Th>
            <Table.Th>IP address</Table.Th>
            <Table.Th>Gateway</Table.Th>
            <Table.Th>MAC</Table.Th>
            <Table.Th>Aliases</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {c.networks.map((n) => (
            <Table.Tr key={n.name}>
              <Table.Td fw={600}>{n.name}</Table.Td>
              <Table.Td ff="monospace">{n.ipAddress || '—'}</Table.Td>
              <Table.Td ff="monospace">{n.gateway || '—'}</Table.Td>
              <Table.Td ff="monospace">{n.macAddress || '—'}</Table.Td>
              <Table.Td>{n.aliases.join(', ') || '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
