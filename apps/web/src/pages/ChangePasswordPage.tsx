import { Alert, Button, Stack } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { logout, meQuery, sessionLost } from '../api/auth';
import { AuthLayout } from '../components/AuthLayout';
import { ChangePasswordForm } from '../components/ChangePasswordForm';

/**
 * All a user sees while an admin-set password stands: the server refuses everything else
 * (password_change_required) until it is replaced.
 */
export function ChangePasswordPage({ username }: { username: string }) {
  const qc = useQueryClient();
  const signOut = useMutation({ mutationFn: logout, onSettled: () => sessionLost(qc) });
  return (
    <AuthLayout title="Choose a new password" subtitle={`Signed in as ${username}.`}>
      <Stack gap="md" data-testid="password-required">
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} py="xs">
          An admin set your current password. Choose one only you know before going on.
        </Alert>
        <ChangePasswordForm
          submitLabel="Set new password"
          onDone={() => void qc.invalidateQueries({ queryKey: meQuery.queryKey })}
        />
        <Button variant="subtle" color="gray" onClick={() => signOut.mutate()} loading={signOut.isPending}>
          Sign out instead
        </Button>
      </Stack>
    </AuthLayout>
  );
}
