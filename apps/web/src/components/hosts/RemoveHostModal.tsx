import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Host } from '@airlock/contract/hosts';
import { containersKey } from '../../api/containers';
import { removeCachedHost, removeHost } from '../../api/hosts';
import { FormError } from '../FormError';

export function RemoveHostModal({ host, onClose }: { host: Host | null; onClose: () => void }) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: (id: string) => removeHost(id),
    onSuccess: (_ok, id) => {
      removeCachedHost(qc, id);
      void qc.invalidateQueries({ queryKey: containersKey });
      close();
    },
  });
  const close = () => {
    m.reset();
    onClose();
  };
  return (
    <Modal
      opened={host !== null}
      onClose={close}
      title={<Text fw={600}>Remove host “{host?.label}”?</Text>}
      centered
    >
      <Stack gap="sm">
        <Text size="sm">
          Airlock stops watching <b>{host?.label}</b> and forgets its stored credentials
          {host?.kind === 'agent' ? ' and its agent token (reports with it are refused from now on)' : ''}.
          Its containers keep running; they just leave the fleet list.
        </Text>
        <FormError error={m.error} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={m.isPending}
            onClick={() => host && m.mutate(host.id)}
            data-testid="host-remove-submit"
          >
            Remove {host?.label}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
