import { Code, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Session } from '@airlock/contract/sessions';
import { removeCachedSession, removeSession } from '../../api/sessions';
import { FormFooter } from '../FormFooter';

export function RemoveSessionModal({
  session,
  onClose,
  onRemoved,
}: {
  session: Session | null;
  onClose: () => void;
  onRemoved?: () => void;
}) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: (id: string) => removeSession(id),
    onSuccess: (_ok, id) => {
      removeCachedSession(qc, id);
      close();
      onRemoved?.();
    },
  });
  const close = () => {
    m.reset();
    onClose();
  };
  return (
    <Modal opened={session !== null} onClose={close} title={<Text fw={600}>Remove session?</Text>} centered>
      <Stack gap="sm">
        <Text size="sm">
          Stops and removes the sandbox of <Code>{session?.id}</Code> (profile {session?.profileName}), its
          gateway socket and its policy. Whatever runs in it is killed. A named work dir is kept.
        </Text>
        <FormFooter
          error={m.error}
          pending={m.isPending}
          onCancel={close}
          onConfirm={() => session && m.mutate(session.id)}
          color="red"
          label="Remove session"
          testId="session-remove-submit"
        />
      </Stack>
    </Modal>
  );
}
