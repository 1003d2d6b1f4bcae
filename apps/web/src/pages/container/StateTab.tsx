import { Alert, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { ContainerDetail } from '@airlock/contract/fleet';
import { HealthText } from '../../components/StatusBadges';
import { formatDateTime } from '../../lib/format';
import { Field } from './Field';

export function StateTab({ c }: { c: ContainerDetail }) {
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="md">
        <Field label="State" testId="container-state">
          {c.state}
        </Field>
        <Field label="Health">
          <HealthText health={c.health} />
        </Field>
        <Field label="Exit code">{c.exitCode ?? '—'}</Field>
        <Field label="OOM-killed">
          {c.oomKilled ? (
            <Text span c="red" fw={600} size="sm">
              yes
            </Text>
          ) : (
            'no'
          )}
        </Field>
        <Field label="Restarts">{c.restartCount}</Field>
        <Field label="PID">{c.pid || '—'}</Field>
        <Field label="Finished">{c.finishedAt ? formatDateTime(c.finishedAt) : '—'}</Field>
        <Field label="Health failing streak">
          <Text
            span
            size="sm"
            c={c.failingStreak > 0 ? 'red' : undefined}
            fw={c.failingStreak > 0 ? 600 : 400}
          >
            {c.failingStreak}
          </Text>
        </Field>
      </SimpleGrid>
      {c.error && (
        <Alert color="red" variant="light" title="Engine error" py="xs">
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {c.error}
          </Text>
        </Alert>
      )}
      <Stack gap={4}>
        <Text size="sm" fw={600}>
          Health log
        </Text>
        {c.healthLog.length === 0 ? (
          <Text size="sm" c="dimmed">
            {c.health === 'none' ? 'This container has no healthcheck.' : 'No health checks recorded yet.'}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table fz="sm" verticalSpacing={4} data-testid="container-health-log">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={170}>Start</Table.Th>
                  <Table.Th w={80}>Exit</Table.Th>
                  <Table.Th>Output</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {c.healthLog.map((h, i) => (
                  <Table.Tr key={i}>
                    <Table.Td ff="monospace" fz="xs">
                      {formatDateTime(h.start)}
                    </Table.Td>
                    <Table.Td>
                      <Text span size="sm" c={h.exitCode === 0 ? 'teal' : 'red'} fw={600}>
                        {h.exitCode}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text
                        size="xs"
                        ff="monospace"
                        style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
                      >
                        {h.output || '(no output)'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Stack>
  );
}
