import { useState, type ReactNode } from 'react';
import { Anchor, Button, Code, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconArrowLeft, IconPencil, IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { can } from '@airlock/contract/endpoint';
import { profilesApi, type LimitName, type Profile } from '@airlock/contract/profiles';
import { isApiError } from '../api/client';
import { useCurrentUser } from '../api/CurrentUser';
import { profileQuery } from '../api/profiles';
import { LoadError } from '../components/FormError';
import { Timestamp } from '../components/Timestamp';
import { ProfileFormModal } from '../components/profiles/ProfileFormModal';
import { RemoveProfileModal } from '../components/profiles/RemoveProfileModal';
import { RoutesTable } from '../components/profiles/RoutesTable';
import { UnscannedBadge } from '../components/profiles/UnscannedBadge';
import { memoryText, profilePath, unscannedCount } from '../lib/profiles';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase" style={{ letterSpacing: '0.04em' }}>
        {label}
      </Text>
      {children}
    </Stack>
  );
}

function LimitText({ profile, name }: { profile: Profile; name: LimitName }) {
  const v = profile.effectiveLimits[name];
  const own = profile.limits[name] !== undefined;
  return (
    <Text size="sm">
      {name === 'memoryMb' ? memoryText(v) : v}
      {!own && (
        <Text span size="sm" c="dimmed">
          {' '}
          (default)
        </Text>
      )}
    </Text>
  );
}

function BackLink() {
  return (
    <Anchor component={Link} to="/profiles" size="sm">
      <Group gap={4}>
        <IconArrowLeft size={14} /> All profiles
      </Group>
    </Anchor>
  );
}

export function ProfilePage() {
  const { ref = '' } = useParams();
  const me = useCurrentUser();
  const isAdmin = can(me, profilesApi.update);
  const navigate = useNavigate();
  const profile = useQuery(profileQuery(ref));
  const [editing, setEditing] = useState(false);
  const [removing, setRemoving] = useState(false);

  if (profile.isError) {
    return (
      <Stack gap="md">
        <BackLink />
        {isApiError(profile.error, 'not_found') ? (
          <Text data-testid="profile-not-found">No profile named “{ref}”.</Text>
        ) : (
          <LoadError error={profile.error} what="the profile" onRetry={() => void profile.refetch()} />
        )}
      </Stack>
    );
  }
  const p = profile.data;
  const unscanned = p ? unscannedCount(p) : 0;
  return (
    <Stack gap="md" data-testid="profile-detail" data-name={p?.name}>
      <BackLink />
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <Stack gap={2}>
          <Group gap="sm">
            <Title order={2} fz="h3" data-testid="profile-title">
              {p?.name ?? ref}
            </Title>
            {unscanned > 0 && <UnscannedBadge count={unscanned} testId="profile-unscanned" />}
          </Group>
          <Text c="dimmed" size="sm" maw={720}>
            A sandbox under this profile reaches only the routes below, through the egress gateway. Changes
            apply live to running sessions.
          </Text>
        </Stack>
        {isAdmin && p && (
          <Group gap="xs">
            <Button
              variant="default"
              leftSection={<IconPencil size={16} />}
              onClick={() => setEditing(true)}
              data-testid="profile-detail-edit"
            >
              Edit
            </Button>
            <Button
              variant="default"
              color="red"
              leftSection={<IconTrash size={16} />}
              onClick={() => setRemoving(true)}
              data-testid="profile-detail-remove"
            >
              Remove
            </Button>
          </Group>
        )}
      </Group>
      {p && (
        <>
          <Paper withBorder radius="md" p="md">
            <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }} spacing="md">
              <Fact label="Runtime">
                <Text size="sm">{p.runtime}</Text>
              </Fact>
              <Fact label="Image">
                {p.image ? (
                  <Code fz="xs" style={{ overflowWrap: 'anywhere' }}>
                    {p.image}
                  </Code>
                ) : (
                  <Text size="sm" c="dimmed">
                    the deck’s default
                  </Text>
                )}
              </Fact>
              <Fact label="Processes">
                <LimitText profile={p} name="pids" />
              </Fact>
              <Fact label="Memory">
                <LimitText profile={p} name="memoryMb" />
              </Fact>
              <Fact label="CPUs">
                <LimitText profile={p} name="cpus" />
              </Fact>
              <Fact label="Updated">
                <Timestamp value={p.updatedAt} />
              </Fact>
            </SimpleGrid>
            {p.runtime === 'bubblewrap' && (
              <Text size="xs" c="dimmed" mt="sm">
                The bubblewrap runtime does not enforce process, memory or CPU limits; the Docker runtime
                does.
              </Text>
            )}
          </Paper>
          <Title order={3} fz="h5">
            Routes ({p.routes.length})
          </Title>
          <RoutesTable routes={p.routes} />
        </>
      )}
      <ProfileFormModal
        opened={editing}
        profile={p ?? null}
        onClose={() => setEditing(false)}
        onSaved={(saved, before) => {
          if (before && saved.name !== before.name) void navigate(profilePath(saved), { replace: true });
        }}
      />
      <RemoveProfileModal
        profile={removing && p ? p : null}
        onClose={() => setRemoving(false)}
        onRemoved={() => void navigate('/profiles')}
      />
    </Stack>
  );
}
