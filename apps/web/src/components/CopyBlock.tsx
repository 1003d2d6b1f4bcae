import { ActionIcon, Code, CopyButton, Group, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';

/** A value shown once (a secret, a command) with a copy button beside it. */
export function CopyBlock({
  value,
  label,
  testId,
  pre = false,
}: {
  value: string;
  label: string;
  testId: string;
  /** Keep lines as they are (commands): scroll sideways instead of breaking words. */
  pre?: boolean;
}) {
  return (
    <Group gap={6} wrap="nowrap" align="stretch">
      <Code
        block
        fz="xs"
        style={{
          flex: 1,
          minWidth: 0,
          userSelect: 'all',
          ...(pre
            ? { whiteSpace: 'pre', overflowX: 'auto' }
            : { wordBreak: 'break-all', whiteSpace: 'pre-wrap' }),
        }}
        data-testid={testId}
      >
        {value}
      </Code>
      <CopyButton value={value} timeout={1500}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : `Copy ${label}`} withArrow>
            <ActionIcon
              variant={copied ? 'light' : 'default'}
              color={copied ? 'teal' : undefined}
              size="lg"
              onClick={copy}
              aria-label={`Copy ${label}`}
              data-testid={`${testId}-copy`}
            >
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
