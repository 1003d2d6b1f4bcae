import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Me } from '@airlock/contract/auth';
import { setUnlockHandler } from '../api/client';
import { meQuery, unlock } from '../api/auth';
import { useCurrentUser } from '../api/CurrentUser';
import { FormFooter } from './FormFooter';

/**
 * Answers the API client's `unlock_required` with a password prompt. Mounted once; the client
 * retries the original request after the user unlocks, so no page handles unlock itself.
 */
export function UnlockProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<((ok: boolean) => void) | null>(null);

  useEffect(() => {
    setUnlockHandler(() => new Promise<boolean>((resolve) => setPending(() => resolve)));
    return () => setUnlockHandler(null);
  }, []);

  const finish = (ok: boolean) => {
    pending?.(ok);
    setPending(null);
  };

  return (
    <>
      {children}
      <UnlockModal opened={pending !== null} onDone={finish} />
    </>
  );
}

function UnlockModal({ opened, onDone }: { opened: boolean; onDone: (ok: boolean) => void }) {
  const qc = useQueryClient();
  const me = useCurrentUser();
  const [password, setPassword] = useState('');
  const m = useMutation({
    mutationFn: unlock,
    onSuccess: ({ unlockedUntil }) => {
      qc.setQueryData<Me | null>(meQuery.queryKey, (old) => (old ? { ...old, unlockedUntil } : old));
      close(true);
    },
    onError: () => setPassword(''),
  });

  // Leaves nothing behind for the next prompt: no password, no stale error.
  function close(ok: boolean) {
    setPassword('');
    m.reset();
    onDone(ok);
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password) m.mutate(password);
  };

  return (
    <Modal
      opened={opened}
      onClose={() => close(false)}
      title={
        <Group gap={8}>
          <IconLock size={18} />
          <Text fw={600}>Unlock dangerous actions</Text>
        </Group>
      }
      zIndex={400}
      centered
    >
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            This action is marked dangerous. Re-enter your password to unlock dangerous actions for 10
            minutes.
          </Text>
          {/* Lets password managers match the saved login; the user cannot change it here. */}
          <input
            type="text"
            name="username"
            autoComplete="username"
            value={me.user.username}
            readOnly
            hidden
          />
          <PasswordInput
            label={`Password for ${me.user.username}`}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            autoComplete="current-password"
            data-autofocus
            data-testid="unlock-password"
          />
          <FormFooter
            error={m.error}
            pending={m.isPending}
            onCancel={() => close(false)}
            disabled={!password}
            label="Unlock"
            testId="unlock-submit"
          />
        </Stack>
      </form>
    </Modal>
  );
}
