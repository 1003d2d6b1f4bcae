import type { ReactNode } from 'react';
import { Table, Text } from '@mantine/core';

/** Two columns of names and values (env, labels); says `empty` when there are none. */
export function KeyValueTable({
  rows,
  empty,
  testId,
}: {
  rows: { key: string; value: ReactNode }[];
  empty: string;
  testId: string;
}) {
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid={`${testId}-empty`}>
        {empty}
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={500}>
      <Table fz="sm" verticalSpacing={4} striped data-testid={testId}>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key}>
              <Table.Td w="35%" style={{ verticalAlign: 'top' }}>
                <Text size="sm" ff="monospace" fz="xs" fw={600} style={{ wordBreak: 'break-all' }}>
                  {r.key}
                </Text>
              </Table.Td>
              <Table.Td style={{ wordBreak: 'break-all' }}>{r.value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
