import { Table, Text } from '@mantine/core';
import type { ContainerDetail } from '@airlock/contract/fleet';

export function PortsTab({ c }: { c: ContainerDetail }) {
  if (c.ports.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No published or exposed ports.
      </Text>
    );
  return (
    <Table fz="sm" verticalSpacing={4} data-testid="container-ports">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Container port</Table.Th>
          <Table.Th>Protocol</Table.Th>
          <Table.Th>Published on</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {c.ports.map((p, i) => (
          <Table.Tr key={i}>
            <Table.Td ff="monospace">{p.privatePort}</Table.Td>
            <Table.Td>{p.type}</Table.Td>
            <Table.Td ff="monospace">
              {p.publicPort === null ? (
                <Text span c="dimmed" size="sm">
                  not published
                </Text>
              ) : (
                `${p.ip ?? '0.0.0.0'}:${p.publicPort}`
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
