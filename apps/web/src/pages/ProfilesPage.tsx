import { useState } from 'react';
import {
  ActionIcon,
  Anchor,
  Button,
  EmptyState,
  Group,
  Menu,
  Paper,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { IconDots, IconPencil, IconPlus, IconRoute, IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { can } from '@airlock/contract/endpoint';
import { profilesApi, type Profile } from '@airlock/contract/profiles';
import { useCurrentUser } from '../api/CurrentUser';
import { profilesQuery } from '../api/profiles';
import { LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows } from '../components/SkeletonRows';
import { Timestamp } from '../components/Timestamp';
import { ProfileFormModal } from '../components/profiles/ProfileFormModal';
import { RemoveProfileModal } from '../components/profiles/RemoveProfileModal';
import { UnscannedBadge } from '../components/profiles/UnscannedBadge';
import { limitsText, profilePath, unscannedCount } from '../lib/profiles';

const COLUMNS = 7;

export function ProfilesPage() {
  const me = useCurrentUser();
  const isAdmin = can(me, profilesApi.create);
  const profiles = useQuery(profilesQuery);
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Profile | null>(null);
  const [removing, setRemoving] = useState<Profile | null>(null);

  return (
    <Stack gap="md">
      <PageHeader
        title="Profiles"
        description={
          isAdmin
            ? 'What a sealed session runs in (runtime, image, limits) and where its sandbox may connect. Creating, editing and removing profiles needs an unlock.'
            : 'What a sealed session runs in (runtime, image, limits) and where its sandbox may connect. Admins change profiles.'
        }
        actions={
          isAdmin && (
            <Button
              leftSection={<IconPlus size={16} />}
              onClick={() => setCreating(true)}
              data-testid="profile-new"
            >
              New profile
            </Button>
          )
        }
      />
      {profiles.isError ? (
        <LoadError error={profiles.error} what="profiles" onRetry={() => void profiles.refetch()} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={860}>
            <Table
              verticalSpacing={8}
              horizontalSpacing="md"
              highlightOnHover
              fz="sm"
              data-testid="profiles-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th w={120}>Runtime</Table.Th>
                  <Table.Th>Image</Table.Th>
                  <Table.Th>Limits</Table.Th>
                  <Table.Th w={150}>Routes</Table.Th>
                  <Table.Th w={120}>Updated</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {profiles.isPending ? (
                  <SkeletonRows columns={COLUMNS} rows={2} />
                ) : (
                  profiles.data.items.map((p) => {
                    const unscanned = unscannedCount(p);
                    return (
                      <Table.Tr
                        key={p.id}
                        data-testid="profile-row"
                        data-name={p.name}
                        data-unscanned={unscanned > 0 ? 'true' : 'false'}
                      >
                        <Table.Td>
                          <Anchor component={Link} to={profilePath(p)} fw={600} size="sm">
                            {p.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{p.runtime}</Text>
                        </Table.Td>
                        <Table.Td>
                          {p.image ? (
                            <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                              {p.image}
                            </Text>
                          ) : (
                            <Text size="sm" c="dimmed">
                              default
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                            {limitsText(p.effectiveLimits)}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Group gap={6} wrap="nowrap">
                            <Text size="sm" ff="monospace" data-testid="profile-route-count">
                              {p.routes.length}
                            </Text>
                            {unscanned > 0 && <UnscannedBadge count={unscanned} />}
                          </Group>
                        </Table.Td>
                        <Table.Td>
                          <Timestamp value={p.updatedAt} />
                        </Table.Td>
                        <Table.Td ta="right">
                          {isAdmin && (
                            <Menu position="bottom-end" withinPortal shadow="md">
                              <Menu.Target>
                                <ActionIcon
                                  variant="default"
                                  size={30}
                                  aria-label={`Actions for ${p.name}`}
                                  data-testid="profile-menu"
                                >
                                  <IconDots size={15} />
                                </ActionIcon>
                              </Menu.Target>
                              <Menu.Dropdown>
                                <Menu.Item
                                  leftSection={<IconPencil size={14} />}
                                  onClick={() => setEditing(p)}
                                  data-testid="profile-edit"
                                >
                                  Edit
                                </Menu.Item>
                                <Menu.Item
                                  color="red"
                                  leftSection={<IconTrash size={14} />}
                                  onClick={() => setRemoving(p)}
                                  data-testid="profile-remove"
                                >
                                  Remove
                                </Menu.Item>
                              </Menu.Dropdown>
                            </Menu>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {profiles.data?.items.length === 0 && (
            <EmptyState
              py="xl"
              icon={<IconRoute size={28} stroke={1.5} />}
              withIndicatorBackground
              title="No profiles yet"
              description={
                isAdmin
                  ? 'A profile names the sandbox runtime and the hosts its agent may reach. Create one to start sealed sessions.'
                  : 'An admin creates profiles here.'
              }
              data-testid="profiles-empty"
            />
          )}
        </Paper>
      )}
      <ProfileFormModal
        opened={creating || editing !== null}
        profile={editing}
        onClose={() => {
          setCreating(false);
          setEditing(null);
        }}
        onSaved={(saved, before) => {
          if (!before) void navigate(profilePath(saved));
        }}
      />
      <RemoveProfileModal profile={removing} onClose={() => setRemoving(null)} />
    </Stack>
  );
}
