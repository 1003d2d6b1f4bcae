import { useState } from 'react';
import { Anchor, Button, Code, EmptyState, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { IconLockSquareRounded, IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { can } from '@airlock/contract/endpoint';
import { credentialsApi, type Credential } from '@airlock/contract/credentials';
import { credentialsQuery } from '../api/credentials';
import { useCurrentUser } from '../api/CurrentUser';
import { profilesQuery } from '../api/profiles';
import { LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { RoleRequired } from '../components/RoleRequired';
import { SkeletonRows } from '../components/SkeletonRows';
import { Timestamp } from '../components/Timestamp';
import { AddCredentialModal } from '../components/credentials/AddCredentialModal';
import { RemoveCredentialModal } from '../components/credentials/RemoveCredentialModal';
import { credentialUsers, profilePath } from '../lib/profiles';
import { RemoveIconButton } from '../components/RemoveIconButton';

const COLUMNS = 8;

function injectText(c: Credential): string {
  switch (c.inject.type) {
    case 'bearer':
      return 'Bearer token';
    case 'basic':
      return 'Basic auth';
    case 'header':
      return `Header ${c.inject.header ?? ''}`;
  }
}

export function CredentialsPage() {
  const me = useCurrentUser();
  if (!can(me, credentialsApi.list))
    return (
      <Stack gap="md">
        <PageHeader title="Credentials" />
        <RoleRequired
          title="Credentials are for admins"
          endpoint={credentialsApi.list}
          testId="credentials-role"
        />
      </Stack>
    );
  return <Credentials />;
}

function Credentials() {
  const credentials = useQuery(credentialsQuery);
  const profiles = useQuery(profilesQuery);
  const users = credentialUsers(profiles.data?.items ?? []);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Credential | null>(null);

  return (
    <Stack gap="md">
      <PageHeader
        title="Credentials"
        description="Secrets the egress gateway injects into sealed sessions' requests toward the hosts they are bound to. Values are write-only; adding and removing needs an unlock."
        actions={
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => setAdding(true)}
            data-testid="credential-add"
          >
            Add credential
          </Button>
        }
      />
      {credentials.isError ? (
        <LoadError error={credentials.error} what="credentials" onRetry={() => void credentials.refetch()} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={960}>
            <Table
              verticalSpacing={8}
              horizontalSpacing="md"
              highlightOnHover
              fz="sm"
              data-testid="credentials-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Injected as</Table.Th>
                  <Table.Th>Hosts</Table.Th>
                  <Table.Th>Value</Table.Th>
                  <Table.Th>Env var</Table.Th>
                  <Table.Th>Used by</Table.Th>
                  <Table.Th w={120}>Added</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {credentials.isPending ? (
                  <SkeletonRows columns={COLUMNS} rows={2} />
                ) : (
                  credentials.data.items.map((c) => {
                    const usedBy = users.get(c.name) ?? [];
                    return (
                      <Table.Tr key={c.id} data-testid="credential-row" data-name={c.name}>
                        <Table.Td>
                          <Text size="sm" fw={600}>
                            {c.name}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                            {injectText(c)}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Stack gap={2}>
                            {c.hosts.map((h) => (
                              <Text key={h} size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                                {h}
                              </Text>
                            ))}
                          </Stack>
                        </Table.Td>
                        <Table.Td>
                          <Code fz="xs" data-testid="credential-masked">
                            {c.valueMasked}
                          </Code>
                        </Table.Td>
                        <Table.Td>
                          {c.env ? (
                            <Code fz="xs">{c.env}</Code>
                          ) : (
                            <Text size="sm" c="dimmed">
                              —
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td data-testid="credential-used-by">
                          {usedBy.length ? (
                            <Group gap={6}>
                              {usedBy.map((p) => (
                                <Anchor key={p} component={Link} to={profilePath({ name: p })} size="sm">
                                  {p}
                                </Anchor>
                              ))}
                            </Group>
                          ) : (
                            <Text size="sm" c="dimmed">
                              no profile
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Timestamp value={c.createdAt} />
                        </Table.Td>
                        <Table.Td>
                          <RemoveIconButton
                            label={`Remove ${c.name}`}
                            tooltip="Remove"
                            onClick={() => setRemoving(c)}
                            testId="credential-remove"
                          />
                        </Table.Td>
                      </Table.Tr>
                    );
                  })
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {credentials.data?.items.length === 0 && (
            <EmptyState
              py="xl"
              icon={<IconLockSquareRounded size={28} stroke={1.5} />}
              withIndicatorBackground
              title="No credentials yet"
              description="Add an API key or token; a profile route then names it, and the gateway injects it for the sandbox."
              data-testid="credentials-empty"
            />
          )}
        </Paper>
      )}
      <AddCredentialModal opened={adding} onClose={() => setAdding(false)} />
      <RemoveCredentialModal
        credential={removing}
        usedBy={removing ? (users.get(removing.name) ?? []) : []}
        onClose={() => setRemoving(null)}
      />
    </Stack>
  );
}
