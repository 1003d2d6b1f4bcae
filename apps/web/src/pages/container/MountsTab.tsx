import { Table, Text } from '@mantine/core';
import type { ContainerDetail } from '@airlock/contract/fleet';

export function MountsTab({ c }: { c: ContainerDetail }) {
  if (c.mounts.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No mounts.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table fz="sm" verticalSpacing={4} data-testid="container-mounts">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Type</Table.Th>
            <Table.Th>Source</Table.Th>
            <Table.Th>Destination</Table.Th>
            <Table.Th>Mode</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {c.mounts.map((m, i) => (
            <Table.Tr key={i}>
              <Table.Td>{m.type}</Table.Td>
              <Table.Td ff="monospace" fz="xs" style={{ wordBreak: 'break-all' }}>
                {m.name ?? m.source}
              </Table.Td>
              <Table.Td ff="monospace" fz="xs" style={{ wordBreak: 'break-all' }}>
                {m.destination}
              </Table.Td>
              <Table.Td>{m.rw ? 'read-write' : 'read-only'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
