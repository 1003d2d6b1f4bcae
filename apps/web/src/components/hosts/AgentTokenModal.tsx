import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { CreatedHost } from '@airlock/contract/hosts';
import { CopyBlock } from '../CopyBlock';

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
          {created.installWarning && (
            <Alert
              color="orange"
              variant="light"
              icon={<IconAlertTriangle size={18} />}
              py="xs"
              title="Another machine cannot use this address"
              data-testid="agent-install-warning"
            >
              {created.installWarning}
            </Alert>
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
