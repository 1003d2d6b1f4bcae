import { Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Host } from '@airlock/contract/hosts';
import { containersKey } from '../../api/containers';
import { removeCachedHost, removeHost } from '../../api/hosts';
import { FormFooter } from '../FormFooter';

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
        <FormFooter
          error={m.error}
          pending={m.isPending}
          onCancel={close}
          onConfirm={() => host && m.mutate(host.id)}
          color="red"
          label={<>Remove {host?.label}</>}
          testId="host-remove-submit"
        />
      </Stack>
    </Modal>
  );
}
