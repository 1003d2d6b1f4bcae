import type { ReactNode } from 'react';
import { Alert, Anchor, Button, Code, Drawer, EmptyState, Group, Stack, Table, Text } from '@mantine/core';
import { IconShieldCheck, IconTrash } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import type { Session } from '@airlock/contract/sessions';
import { profilePath } from '../../lib/profiles';
import { Timestamp } from '../Timestamp';
import { SessionStateBadge } from './SessionStateBadge';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="sm" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" w={110} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      {children}
    </Group>
  );
}

/** One session and what the gateway refused it, newest first. */
export function SessionDrawer({
  session,
  opened,
  onClose,
  canRemove,
  onRemove,
}: {
  session: Session | undefined;
  opened: boolean;
  onClose: () => void;
  canRemove: boolean;
  onRemove: (s: Session) => void;
}) {
  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size={720}
      title={<Text fw={600}>Session {session?.id ?? ''}</Text>}
      data-testid="session-drawer"
    >
      {!session ? (
        <Text size="sm" c="dimmed" data-testid="session-gone">
          This session no longer exists.
        </Text>
      ) : (
        <Stack gap="md" data-testid="session-detail" data-id={session.id}>
          <Stack gap={6}>
            <Row label="State">
              <Group gap={6}>
                <SessionStateBadge state={session.state} />
                {session.stateReason && (
                  <Text size="sm" c={session.state === 'failed' ? 'red' : 'dimmed'}>
                    {session.stateReason}
                  </Text>
                )}
              </Group>
            </Row>
            <Row label="Profile">
              <Anchor component={Link} to={profilePath({ name: session.profileName })} size="sm">
                {session.profileName}
              </Anchor>
            </Row>
            <Row label="Runtime">
              <Text size="sm">{session.runtime}</Text>
            </Row>
            <Row label="Created">
              <Text size="sm">
                <Timestamp value={session.createdAt} mode="absolute" span /> by {session.createdBy}
              </Text>
            </Row>
            <Row label="Blocked">
              <Text size="sm" fw={session.blockedCount ? 600 : 400} data-testid="session-drawer-blocked">
                {session.blockedCount} {session.blockedCount === 1 ? 'request' : 'requests'}
              </Text>
            </Row>
          </Stack>

          <Text fw={600} size="sm">
            Recent blocks
          </Text>
          {session.recentBlocks.length === 0 ? (
            <EmptyState
              py="md"
              icon={<IconShieldCheck size={24} stroke={1.5} />}
              title="Nothing refused"
              description="Every request this sandbox sent matched its profile's routes."
              data-testid="session-no-blocks"
            />
          ) : (
            <Table.ScrollContainer minWidth={600}>
              <Table verticalSpacing={6} horizontalSpacing="sm" fz="sm" data-testid="session-blocks">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={90}>When</Table.Th>
                    <Table.Th w={80}>Method</Table.Th>
                    <Table.Th>Host and path</Table.Th>
                    <Table.Th>Rule</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {session.recentBlocks.map((b, i) => (
                    <Table.Tr
                      key={`${b.at}-${i}`}
                      data-testid="session-block"
                      data-rule={b.rule}
                      data-host={b.host}
                    >
                      <Table.Td>
                        <Timestamp value={b.at} size="xs" />
                      </Table.Td>
                      <Table.Td>
                        <Code fz="xs">{b.method}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                          {b.host}
                          {b.port !== 443 && b.port !== 80 ? `:${b.port}` : ''}
                          {b.path}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {b.reason}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Code fz="xs" style={{ whiteSpace: 'nowrap' }} data-testid="session-block-rule">
                          {b.rule}
                        </Code>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {session.blockedCount > session.recentBlocks.length && (
            <Text size="xs" c="dimmed">
              The {session.recentBlocks.length} most recent of {session.blockedCount}; every block is in the
              audit log as session.egress.blocked.
            </Text>
          )}
          {session.state === 'lost' && (
            <Alert color="orange" variant="light" py="xs">
              The sandbox is gone (removed outside Airlock, or the engine restarted). Remove the session to
              release its socket and policy.
            </Alert>
          )}
          {canRemove && (
            <Group justify="flex-end">
              <Button
                color="red"
                variant="light"
                leftSection={<IconTrash size={16} />}
                onClick={() => onRemove(session)}
                data-testid="session-remove"
              >
                Remove session
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Drawer>
  );
}
