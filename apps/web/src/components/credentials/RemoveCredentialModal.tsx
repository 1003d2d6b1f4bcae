import { Alert, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Credential, CredentialList } from '@airlock/contract/credentials';
import { credentialsQuery, removeCredential } from '../../api/credentials';
import { FormFooter } from '../FormFooter';

export function RemoveCredentialModal({
  credential,
  usedBy,
  onClose,
}: {
  credential: Credential | null;
  /** Profiles whose routes name it: the server refuses the removal while there are any. */
  usedBy: readonly string[];
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: (c: Credential) => removeCredential(c.id),
    onSuccess: (_ok, c) => {
      qc.setQueryData<CredentialList>(credentialsQuery.queryKey, (old) =>
        old ? { items: old.items.filter((x) => x.id !== c.id) } : old,
      );
      void qc.invalidateQueries({ queryKey: credentialsQuery.queryKey });
      close();
    },
  });
  const close = () => {
    m.reset();
    onClose();
  };
  return (
    <Modal
      opened={credential !== null}
      onClose={close}
      title={<Text fw={600}>Remove credential “{credential?.name}”?</Text>}
      centered
    >
      <Stack gap="sm">
        <Text size="sm">
          The sealed value of <b>{credential?.name}</b> is deleted from the vault. Requests that relied on it
          go out without it. This cannot be undone.
        </Text>
        {usedBy.length > 0 && (
          <Alert color="yellow" variant="light" py="xs" data-testid="credential-in-use">
            Used by {usedBy.length === 1 ? 'profile' : 'profiles'} {usedBy.join(', ')}: remove it from their
            routes first, or the server refuses.
          </Alert>
        )}
        <FormFooter
          error={m.error}
          pending={m.isPending}
          onCancel={close}
          onConfirm={() => credential && m.mutate(credential)}
          color="red"
          label={<>Remove {credential?.name}</>}
          testId="credential-remove-submit"
        />
      </Stack>
    </Modal>
  );
}
