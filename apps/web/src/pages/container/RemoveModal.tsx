import { useState, type FormEvent } from 'react';
import { Alert, Code, Modal, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ContainerDetail } from '@airlock/contract/fleet';
import { applyActionResult, removeContainer } from '../../api/containers';
import { FormFooter } from '../../components/FormFooter';

/** Force-removal, confirmed by typing the container's name. */
export function RemoveModal({
  c,
  opened,
  onClose,
  onRemoved,
}: {
  c: ContainerDetail;
  opened: boolean;
  onClose: () => void;
  onRemoved: () => void;
}) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState('');
  const m = useMutation({
    mutationFn: () => removeContainer(c.hostId, c.id, typed),
    onSuccess: (res) => {
      applyActionResult(qc, c.hostId, res, c.id);
      onRemoved();
    },
  });
  const close = () => {
    setTyped('');
    m.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed === c.name) m.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title={<Text fw={600}>Remove container {c.name}?</Text>} centered>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} py="xs">
            This force-removes the container and its anonymous volumes. It cannot be undone.
          </Alert>
          <TextInput
            label={
              <>
                Type <Code>{c.name}</Code> to confirm
              </>
            }
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            spellCheck={false}
            data-autofocus
            data-testid="remove-confirm-name"
          />
          <FormFooter
            error={m.error}
            pending={m.isPending}
            onCancel={close}
            color="red"
            disabled={typed !== c.name}
            label="Remove"
            testId="remove-submit"
          />
        </Stack>
      </form>
    </Modal>
  );
}
