import { Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Profile } from '@airlock/contract/profiles';
import { removeCachedProfile, removeProfile } from '../../api/profiles';
import { FormFooter } from '../FormFooter';

export function RemoveProfileModal({
  profile,
  onClose,
  onRemoved,
}: {
  profile: Profile | null;
  onClose: () => void;
  onRemoved?: () => void;
}) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: (p: Profile) => removeProfile(p.id),
    onSuccess: (_ok, p) => {
      removeCachedProfile(qc, p);
      close();
      onRemoved?.();
    },
  });
  const close = () => {
    m.reset();
    onClose();
  };
  return (
    <Modal
      opened={profile !== null}
      onClose={close}
      title={<Text fw={600}>Remove profile “{profile?.name}”?</Text>}
      centered
    >
      <Stack gap="sm">
        <Text size="sm">
          New sessions can no longer start under <b>{profile?.name}</b>. The server refuses while a session
          still runs under it; remove those sessions first. This cannot be undone.
        </Text>
        <FormFooter
          error={m.error}
          pending={m.isPending}
          onCancel={close}
          onConfirm={() => profile && m.mutate(profile)}
          color="red"
          label={<>Remove {profile?.name}</>}
          testId="profile-remove-submit"
        />
      </Stack>
    </Modal>
  );
}
