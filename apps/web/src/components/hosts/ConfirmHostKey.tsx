import { Alert, Button, Code, Group, Stack, Text } from '@mantine/core';
import { IconShieldCheck, IconShieldLock } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Host } from '@airlock/contract/hosts';
import { confirmHostKey, upsertCachedHost } from '../../api/hosts';
import { FormError } from '../FormError';

export function ConfirmHostKey({ host, jump, isAdmin }: { host: Host; jump: boolean; isAdmin: boolean }) {
  const qc = useQueryClient();
  const target = jump ? host.ssh?.jump : host.ssh;
  const m = useMutation({
    mutationFn: (fingerprint: string) => confirmHostKey(host.id, { fingerprint, jump }),
    onSuccess: (updated) => upsertCachedHost(qc, updated),
  });
  if (!target?.presentedFingerprint) return null;
  const pinnedMismatch =
    target.hostKeyFingerprint !== null && target.hostKeyFingerprint !== target.presentedFingerprint;
  return (
    <Alert
      color={pinnedMismatch ? 'red' : 'yellow'}
      variant="light"
      icon={<IconShieldLock size={18} />}
      title={
        pinnedMismatch
          ? `${jump ? 'Jump host' : 'Host'} key changed: it does not match the pinned one`
          : `Confirm the ${jump ? 'jump host' : 'host'} key of ${target.host}`
      }
      data-testid={jump ? 'host-confirm-jump-key' : 'host-confirm-key'}
      py="xs"
    >
      <Stack gap={6}>
        <Text size="sm">
          {target.host}:{target.port} presented:
        </Text>
        <Code fz="xs" data-testid="host-presented-fingerprint" style={{ wordBreak: 'break-all' }}>
          {target.presentedFingerprint}
        </Code>
        <Text size="xs">
          Compare it with the output of this command run on that host itself (not through this connection):
        </Text>
        <Code block fz="xs">
          ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub -E sha256
        </Code>
        {pinnedMismatch && (
          <Text size="xs" c="red">
            The pinned fingerprint is {target.hostKeyFingerprint}. A changed key can mean the host was
            reinstalled — or that someone is in the middle. Only confirm if you know why it changed.
          </Text>
        )}
        <FormError error={m.error} />
        {isAdmin ? (
          <Group>
            <Button
              size="xs"
              leftSection={<IconShieldCheck size={14} />}
              loading={m.isPending}
              onClick={() => m.mutate(target.presentedFingerprint ?? '')}
              data-testid="host-confirm-key-submit"
            >
              The fingerprints match: confirm
            </Button>
          </Group>
        ) : (
          <Text size="xs" c="dimmed">
            An admin must confirm it.
          </Text>
        )}
      </Stack>
    </Alert>
  );
}
