import { Alert, Avatar, Box, Button, Group, Menu, Modal, Stack, Text, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { IconChevronDown, IconKey, IconLock, IconLogout } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { logout, meQuery } from '../api/auth';
import { setCsrfToken } from '../api/client';
import { useCurrentUser } from '../api/CurrentUser';
import { ChangePasswordForm } from './ChangePasswordForm';
import { RoleBadge } from './RoleBadge';

export function UserMenu() {
  const me = useCurrentUser();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [changing, setChanging] = useState<'form' | 'done' | null>(null);
  const signOut = useMutation({
    mutationFn: logout,
    // Signed out locally even if the call fails: a 401 means the session was already gone, and
    // keeping another user's data on screen after "Sign out" would be worse.
    onSettled: () => {
      setCsrfToken(null);
      // The session query is set, not removed: App observes it and must see the change to unmount
      // the signed-in tree. Everything else belonged to this user and goes.
      qc.setQueryData(meQuery.queryKey, null);
      qc.removeQueries({ predicate: (q) => !['auth', 'setup', 'health'].includes(String(q.queryKey[0])) });
      void navigate('/login', { replace: true });
    },
  });

  return (
    <>
      <Modal
        opened={changing !== null}
        onClose={() => setChanging(null)}
        title={<Text fw={600}>Change your password</Text>}
        centered
      >
        {changing === 'done' ? (
          <Stack gap="md">
            <Alert color="green" variant="light" data-testid="password-changed">
              Password changed. Your other sessions were signed out; this one and your API tokens stay.
            </Alert>
            <Group justify="flex-end">
              <Button onClick={() => setChanging(null)}>Close</Button>
            </Group>
          </Stack>
        ) : (
          <ChangePasswordForm onCancel={() => setChanging(null)} onDone={() => setChanging('done')} />
        )}
      </Modal>
      <Menu position="bottom-end" width={220} withinPortal>
        <Menu.Target>
          <UnstyledButton
            data-testid="user-menu"
            aria-label="Account menu"
            px={6}
            py={4}
            style={{ borderRadius: 6 }}
          >
            <Group gap={8} wrap="nowrap">
              <Avatar size={26} radius="xl" color="indigo" variant="filled">
                {me.user.username.slice(0, 2).toUpperCase()}
              </Avatar>
              <Text size="sm" fw={500} visibleFrom="xs">
                {me.user.username}
              </Text>
              <IconChevronDown size={14} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Box px="sm" py={6}>
            <Text size="xs" c="dimmed">
              Signed in as
            </Text>
            <Group gap={6} wrap="nowrap" mt={2}>
              <Text size="sm" fw={600} truncate="end">
                {me.user.username}
              </Text>
              <RoleBadge role={me.user.role} />
            </Group>
          </Box>
          <Menu.Divider />
          <Menu.Item component={Link} to="/settings/tokens" leftSection={<IconKey size={15} />}>
            API tokens
          </Menu.Item>
          <Menu.Item
            leftSection={<IconLock size={15} />}
            onClick={() => setChanging('form')}
            data-testid="change-password"
          >
            Change password
          </Menu.Item>
          <Menu.Divider />
          <Menu.Item
            color="red"
            leftSection={<IconLogout size={15} />}
            onClick={() => signOut.mutate()}
            disabled={signOut.isPending}
            data-testid="logout"
          >
            Sign out
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </>
  );
}
