import type { ReactNode } from 'react';
import { Stack, Text } from '@mantine/core';

/** A labelled value in the container page's grids. */
export function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase" style={{ letterSpacing: '0.03em' }}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ wordBreak: 'break-word' }} data-testid={testId}>
        {children}
      </Text>
    </Stack>
  );
}
