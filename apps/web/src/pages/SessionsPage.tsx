import { useState } from 'react';
import { Alert, Anchor, Code, EmptyState, Paper, Stack, Table, Text } from '@mantine/core';
import { IconInfoCircle, IconTerminal2 } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { can } from '@airlock/contract/endpoint';
import { sessionsApi, type Session } from '@airlock/contract/sessions';
import { useCurrentUser } from '../api/CurrentUser';
import { sessionsQuery } from '../api/sessions';
import { healthQuery } from '../api/system';
import { LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows } from '../components/SkeletonRows';
import { Timestamp } from '../components/Timestamp';
import { OrphansPanel } from '../components/sessions/OrphansPanel';
import { RemoveSessionModal } from '../components/sessions/RemoveSessionModal';
import { SessionDrawer } from '../components/sessions/SessionDrawer';
import { SessionStateBadge } from '../components/sessions/SessionStateBadge';
import { profilePath } from '../lib/profiles';
import { RemoveIconButton } from '../components/RemoveIconButton';

const COLUMNS = 8;

export function SessionsPage() {
  const me = useCurrentUser();
  const canRemove = can(me, sessionsApi.remove);
  const isAdmin = can(me, sessionsApi.orphans);
  const sessions = useQuery(sessionsQuery);
  const health = useQuery(healthQuery);
  // The open session is in the URL, so a link to it opens the drawer too.
  const [params, setParams] = useSearchParams();
  const openId = params.get('session');
  const [removing, setRemoving] = useState<Session | null>(null);
  const open = (id: string | null) => setParams(id ? { session: id } : {}, { replace: true });
  const selected = sessions.data?.items.find((s) => s.id === openId);

  return (
    <Stack gap="md">
      <PageHeader
        title="Sessions"
        description={
          <>
            Sealed sandboxes whose only way out is the egress gateway, under a profile's routes. Start one
            with <Code fz="xs">airlock run &lt;profile&gt; -- &lt;command&gt;</Code>; interactive agent
            sessions come next.
          </>
        }
      />
      {health.data?.gateway.state === 'disabled' && (
        <Alert
          color="gray"
          variant="light"
          icon={<IconInfoCircle size={18} />}
          data-testid="gateway-disabled"
        >
          The egress gateway is disabled in this deck's configuration (gateway.enabled: false): sealed
          sessions cannot start.
        </Alert>
      )}
      {isAdmin && <OrphansPanel />}
      {sessions.isError ? (
        <LoadError error={sessions.error} what="sessions" onRetry={() => void sessions.refetch()} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={900}>
            <Table
              verticalSpacing={8}
              horizontalSpacing="md"
              highlightOnHover
              fz="sm"
              data-testid="sessions-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Session</Table.Th>
                  <Table.Th>Profile</Table.Th>
                  <Table.Th w={120}>Runtime</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th w={90} ta="right">
                    Blocked
                  </Table.Th>
                  <Table.Th w={120}>Created</Table.Th>
                  <Table.Th w={110}>By</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sessions.isPending ? (
                  <SkeletonRows columns={COLUMNS} rows={2} />
                ) : (
                  sessions.data.items.map((s) => (
                    <Table.Tr
                      key={s.id}
                      data-testid="session-row"
                      data-id={s.id}
                      data-state={s.state}
                      onClick={() => open(s.id)}
                      style={{ cursor: 'pointer' }}
                    >
                      <Table.Td>
                        {/* A real link: the row click is a shortcut, this is what keyboards reach. */}
                        <Anchor
                          component={Link}
                          to={`/sessions?session=${encodeURIComponent(s.id)}`}
                          replace
                          ff="monospace"
                          size="sm"
                          fw={500}
                          onClick={(e) => e.stopPropagation()}
                          data-testid="session-open"
                        >
                          {s.id}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Anchor
                          component={Link}
                          to={profilePath({ name: s.profileName })}
                          size="sm"
                          onClick={(e) => e.stopPropagation()}
                        >
                          {s.profileName}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{s.runtime}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Stack gap={2}>
                          <SessionStateBadge state={s.state} />
                          {s.stateReason && (
                            <Text size="xs" c="dimmed" maw={280} truncate="end">
                              {s.stateReason}
                            </Text>
                          )}
                        </Stack>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Text
                          size="sm"
                          ff="monospace"
                          fw={s.blockedCount ? 600 : 400}
                          c={s.blockedCount ? 'red' : 'dimmed'}
                          data-testid="session-blocked"
                        >
                          {s.blockedCount}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Timestamp value={s.createdAt} />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{s.createdBy}</Text>
                      </Table.Td>
                      <Table.Td>
                        {canRemove && (
                          <RemoveIconButton
                            label={`Remove session ${s.id}`}
                            tooltip="Remove"
                            onClick={(e) => {
                              e.stopPropagation();
                              setRemoving(s);
                            }}
                            testId="session-row-remove"
                          />
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {sessions.data?.items.length === 0 && (
            <EmptyState
              py="xl"
              icon={<IconTerminal2 size={28} stroke={1.5} />}
              withIndicatorBackground
              title="No sessions"
              description="Sessions started with airlock run (or the API) show here with what the gateway refused them."
              data-testid="sessions-empty"
            />
          )}
        </Paper>
      )}
      <SessionDrawer
        opened={openId !== null && !sessions.isPending}
        session={selected}
        onClose={() => open(null)}
        canRemove={canRemove}
        onRemove={setRemoving}
      />
      <RemoveSessionModal
        session={removing}
        onClose={() => setRemoving(null)}
        onRemoved={() => {
          if (removing?.id === openId) open(null);
        }}
      />
    </Stack>
  );
}
