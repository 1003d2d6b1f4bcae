import { Skeleton, Table } from '@mantine/core';

/** Placeholder rows with the table's real shape, so loading does not make the layout jump. */
export function SkeletonRows({ columns, rows = 5 }: { columns: number; rows?: number }) {
  return Array.from({ length: rows }, (_, r) => (
    <Table.Tr key={r} data-testid="skeleton-row">
      {Array.from({ length: columns }, (_, c) => (
        <Table.Td key={c}>
          <Skeleton height={12} radius="sm" width={c === 0 ? '60%' : '80%'} />
        </Table.Td>
      ))}
    </Table.Tr>
  ));
}
