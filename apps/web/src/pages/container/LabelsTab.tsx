import { Text } from '@mantine/core';
import type { ContainerDetail } from '@airlock/contract/fleet';
import { KeyValueTable } from './KeyValueTable';

export function LabelsTab({ c }: { c: ContainerDetail }) {
  return (
    <KeyValueTable
      testId="container-labels"
      empty="No labels."
      rows={Object.entries(c.labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => ({
          key: k,
          value: (
            <Text size="xs" ff="monospace">
              {v}
            </Text>
          ),
        }))}
    />
  );
}
