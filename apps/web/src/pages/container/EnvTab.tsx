import { Badge, Stack, Text } from '@mantine/core';
import type { ContainerDetail } from '@airlock/contract/fleet';
import { KeyValueTable } from './KeyValueTable';

export function EnvTab({ c }: { c: ContainerDetail }) {
  return (
    <Stack gap="xs">
      <Text size="xs" c="dimmed">
        Secret-looking values are masked for every role, admins included.
      </Text>
      <KeyValueTable
        testId="container-env"
        empty="No environment variables."
        rows={c.env.map((e) => ({
          key: e.name,
          value: e.masked ? (
            <Badge size="sm" variant="light" color="gray" radius="sm" tt="none" data-testid="env-masked">
              masked
            </Badge>
          ) : (
            <Text size="xs" ff="monospace">
              {e.value}
            </Text>
          ),
        }))}
      />
    </Stack>
  );
}
