import {
  ActionIcon,
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
import type { CreatedHost } from '@airlock/contract/hosts';

function CopyBlock({
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

/** The one moment an agent token exists in the UI; closing drops it for good. */
export function AgentTokenModal({ created, onClose }: { created: CreatedHost | null; onClose: () => void }) {
  return (
    <Modal
      opened={created !== null}
      onClose={onClose}
      title={<Text fw={600}>Install the agent on “{created?.host.label}”</Text>}
      closeOnClickOutside={false}
      closeOnEscape={false}
      withCloseButton={false}
      size="xl"
      centered
    >
      {created && (
        <Stack gap="md" data-testid="agent-token-modal">
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} py="xs">
            This is shown once. Copy the token and install command now; if you lose them, rotate the token to
            get a new one (the old one stops working at once).
          </Alert>
          {created.agentToken && (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Agent token
              </Text>
              <CopyBlock value={created.agentToken} label="token" testId="agent-token" />
            </Stack>
          )}
          {created.installCommand && (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Run on the host (as root)
              </Text>
              <CopyBlock value={created.installCommand} label="install command" testId="agent-install" pre />
            </Stack>
          )}
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="agent-token-close">
              I have copied it
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
