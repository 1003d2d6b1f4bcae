import { useState, type FormEvent } from 'react';
import {
  Checkbox,
  ActionIcon,
  Badge,
  Button,
  EmptyState,
  Group,
  Modal,
  NativeSelect,
  Paper,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { IconKey, IconPlus, IconUsers } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Role, NewPassword } from '@airlock/contract/auth';
import { CreateUserBody, type UpdateUserBody, type User, type UserList } from '@airlock/contract/users';
import { createUser, updateUser, usersQuery } from '../api/users';
import { can } from '@airlock/contract/endpoint';
import { usersApi } from '@airlock/contract/users';
import { useCurrentUser } from '../api/CurrentUser';
import { FormError, LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { RoleRequired } from '../components/RoleRequired';
import { ROLE_HELP, RoleBadge } from '../components/RoleBadge';
import { SkeletonRows } from '../components/SkeletonRows';
import { Timestamp } from '../components/Timestamp';
import { splitError, zodFieldErrors, type FieldErrors } from '../lib/form-errors';
import { FormFooter } from '../components/FormFooter';

const ROLE_OPTIONS = Role.options.map((r) => ({ value: r, label: r }));
const COLUMNS = 6;

function NewUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  // On by default: a password the admin chose is the admin's until the user replaces it.
  const [mustChange, setMustChange] = useState(true);
  const [local, setLocal] = useState<FieldErrors<'username' | 'password' | 'role'>>({});
  const fields = ['username', 'password', 'role'] as const;

  const close = () => {
    setUsername('');
    setPassword('');
    setRole('viewer');
    setMustChange(true);
    setLocal({});
    m.reset();
    onClose();
  };

  const m = useMutation({
    mutationFn: createUser,
    onSuccess: (user) => {
      qc.setQueryData<UserList>(usersQuery.queryKey, (old) => (old ? { items: [...old.items, user] } : old));
      void qc.invalidateQueries({ queryKey: usersQuery.queryKey });
      close();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = CreateUserBody.safeParse({
      username: username.trim(),
      password,
      role,
      mustChangePassword: mustChange,
    });
    if (!parsed.success) {
      setLocal(zodFieldErrors(parsed.error, fields));
      return;
    }
    setLocal({});
    m.mutate(parsed.data);
  };

  const server = splitError(m.error, fields);
  const errors = { ...server.fields, ...local };

  return (
    <Modal opened={opened} onClose={close} title={<Text fw={600}>New user</Text>} centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Username"
            description="Lowercase letters, digits, dot, dash or underscore."
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
            error={errors.username}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            data-autofocus
            data-testid="user-username"
          />
          <PasswordInput
            label="Initial password"
            description="At least 12 characters. Share it with them privately."
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
            autoComplete="new-password"
            data-testid="user-password"
          />
          <NativeSelect
            label="Role"
            description={ROLE_HELP[role]}
            data={ROLE_OPTIONS}
            value={role}
            onChange={(e) => setRole(Role.parse(e.currentTarget.value))}
            error={errors.role}
            data-testid="user-role"
          />
          <Checkbox
            label="They must choose a new password at first sign-in"
            checked={mustChange}
            onChange={(e) => setMustChange(e.currentTarget.checked)}
            data-testid="user-must-change"
          />
          <FormFooter
            error={server.alert}
            pending={m.isPending}
            onCancel={close}
            label="Create user"
            testId="user-submit"
            mt={4}
          />
        </Stack>
      </form>
    </Modal>
  );
}

function SetPasswordModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const qc = useQueryClient();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mustChange, setMustChange] = useState(true);
  const [local, setLocal] = useState<FieldErrors<'password' | 'confirm'>>({});

  const close = () => {
    setPassword('');
    setConfirm('');
    setMustChange(true);
    setLocal({});
    m.reset();
    onClose();
  };

  const m = useMutation({
    mutationFn: (body: { id: string; password: string; mustChangePassword: boolean }) =>
      updateUser(body.id, { password: body.password, mustChangePassword: body.mustChangePassword }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: usersQuery.queryKey });
      close();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!user) return;
    const parsed = NewPassword.safeParse(password);
    const errors: FieldErrors<'password' | 'confirm'> = {};
    if (!parsed.success) errors.password = `Password ${parsed.error.issues[0]?.message ?? 'is not valid'}`;
    if (password !== confirm) errors.confirm = 'Passwords do not match';
    setLocal(errors);
    if (errors.password || errors.confirm) return;
    m.mutate({ id: user.id, password, mustChangePassword: mustChange });
  };

  const server = splitError(m.error, ['password'] as const);
  const errors = { ...server.fields, ...local };

  return (
    <Modal
      opened={user !== null}
      onClose={close}
      title={<Text fw={600}>Set password for {user?.username}</Text>}
      centered
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <PasswordInput
            label="New password"
            description="At least 12 characters."
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
            autoComplete="new-password"
            data-autofocus
            data-testid="user-newpassword"
          />
          <PasswordInput
            label="Confirm password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={errors.confirm}
            autoComplete="new-password"
            data-testid="user-newpassword-confirm"
          />
          <Checkbox
            label="They must choose a new password at next sign-in"
            checked={mustChange}
            onChange={(e) => setMustChange(e.currentTarget.checked)}
            data-testid="user-newpassword-must-change"
          />
          <FormFooter
            error={server.alert}
            pending={m.isPending}
            onCancel={close}
            label="Set password"
            testId="user-newpassword-submit"
            mt={4}
          />
        </Stack>
      </form>
    </Modal>
  );
}

export function UsersPage() {
  const me = useCurrentUser();
  const qc = useQueryClient();
  const isAdmin = can(me, usersApi.list);
  const users = useQuery(usersQuery);
  const [creating, setCreating] = useState(false);
  const [passwordFor, setPasswordFor] = useState<User | null>(null);
  const [rowError, setRowError] = useState<{ username: string; error: unknown } | null>(null);

  const update = useMutation({
    mutationFn: ({ user, body }: { user: User; body: UpdateUserBody }) => updateUser(user.id, body),
    onMutate: () => setRowError(null),
    onSuccess: (updated) => {
      qc.setQueryData<UserList>(usersQuery.queryKey, (old) =>
        old ? { items: old.items.map((u) => (u.id === updated.id ? updated : u)) } : old,
      );
    },
    onError: (error, { user }) => setRowError({ username: user.username, error }),
  });
  const busyId = update.isPending ? update.variables.user.id : null;

  return (
    <Stack gap="md">
      <PageHeader
        title="Users"
        description="People who can sign in. Viewers read; operators act on the fleet and run agents; admins also manage users. Changes here need an unlock."
        actions={
          isAdmin && (
            <Button
              leftSection={<IconPlus size={16} />}
              onClick={() => setCreating(true)}
              data-testid="user-new"
            >
              New user
            </Button>
          )
        }
      />

      {!isAdmin && (
        <RoleRequired
          title="Only admins can manage users"
          endpoint={usersApi.list}
          testId="users-forbidden"
        />
      )}

      {users.isError ? (
        <LoadError error={users.error} what="users" onRetry={() => void users.refetch()} />
      ) : (
        isAdmin && (
          <>
            <FormError
              error={rowError?.error}
              title={rowError ? `Could not update ${rowError.username}` : undefined}
            />
            <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
              <Table.ScrollContainer minWidth={760}>
                <Table
                  verticalSpacing={8}
                  horizontalSpacing="md"
                  highlightOnHover
                  fz="sm"
                  data-testid="users-table"
                >
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>User</Table.Th>
                      <Table.Th>Role</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Created</Table.Th>
                      <Table.Th>Last sign-in</Table.Th>
                      <Table.Th w={250} ta="right">
                        Actions
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {users.isPending ? (
                      <SkeletonRows columns={COLUMNS} rows={3} />
                    ) : (
                      users.data.items.map((u) => {
                        const self = u.id === me.user.id;
                        const busy = busyId === u.id;
                        return (
                          <Table.Tr
                            key={u.id}
                            data-testid="user-row"
                            data-username={u.username}
                            opacity={u.disabled ? 0.65 : 1}
                          >
                            <Table.Td>
                              <Group gap={6} wrap="nowrap">
                                <Text size="sm" fw={500}>
                                  {u.username}
                                </Text>
                                {self && (
                                  <Badge size="xs" variant="outline" color="gray" tt="none" radius="sm">
                                    you
                                  </Badge>
                                )}
                              </Group>
                            </Table.Td>
                            <Table.Td>
                              <RoleBadge role={u.role} />
                            </Table.Td>
                            <Table.Td>
                              <Badge
                                variant="dot"
                                color={u.disabled ? 'gray' : u.mustChangePassword ? 'yellow' : 'teal'}
                                size="sm"
                                tt="none"
                                radius="sm"
                                data-testid="user-status"
                              >
                                {u.disabled
                                  ? 'Disabled'
                                  : u.mustChangePassword
                                    ? 'Must change password'
                                    : 'Active'}
                              </Badge>
                            </Table.Td>
                            <Table.Td>
                              <Timestamp value={u.createdAt} />
                            </Table.Td>
                            <Table.Td>
                              <Timestamp value={u.lastLoginAt} />
                            </Table.Td>
                            <Table.Td>
                              <Group gap={6} justify="flex-end" wrap="nowrap">
                                <Tooltip
                                  label="You can't change your own role or disable yourself; ask another admin."
                                  disabled={!self}
                                  withArrow
                                  multiline
                                  w={240}
                                >
                                  <Group gap={6} wrap="nowrap">
                                    <NativeSelect
                                      size="xs"
                                      w={106}
                                      data={ROLE_OPTIONS}
                                      value={u.role}
                                      disabled={self || busy}
                                      aria-label={`Role for ${u.username}`}
                                      onChange={(e) =>
                                        update.mutate({
                                          user: u,
                                          body: { role: Role.parse(e.currentTarget.value) },
                                        })
                                      }
                                      data-testid="user-role-select"
                                    />
                                    <Button
                                      size="xs"
                                      variant="default"
                                      miw={80}
                                      disabled={self}
                                      loading={busy}
                                      onClick={() =>
                                        update.mutate({ user: u, body: { disabled: !u.disabled } })
                                      }
                                      data-testid="user-toggle"
                                    >
                                      {u.disabled ? 'Enable' : 'Disable'}
                                    </Button>
                                  </Group>
                                </Tooltip>
                                <Tooltip label="Set password" withArrow>
                                  <ActionIcon
                                    variant="default"
                                    size={30}
                                    aria-label={`Set password for ${u.username}`}
                                    onClick={() => setPasswordFor(u)}
                                    data-testid="user-set-password"
                                  >
                                    <IconKey size={14} />
                                  </ActionIcon>
                                </Tooltip>
                              </Group>
                            </Table.Td>
                          </Table.Tr>
                        );
                      })
                    )}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {users.data?.items.length === 0 && (
                <EmptyState
                  py="xl"
                  icon={<IconUsers size={28} stroke={1.5} />}
                  withIndicatorBackground
                  title="No users"
                />
              )}
            </Paper>
          </>
        )
      )}

      <NewUserModal opened={creating} onClose={() => setCreating(false)} />
      <SetPasswordModal user={passwordFor} onClose={() => setPasswordFor(null)} />
    </Stack>
  );
}
