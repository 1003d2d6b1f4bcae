import { useState } from 'react';
import { Button, EmptyState, Paper, Stack, Table } from '@mantine/core';
import { IconPlus, IconServer } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { CreatedHost, Host } from '@airlock/contract/hosts';
import { can } from '@airlock/contract/endpoint';
import { hostsApi } from '@airlock/contract/hosts';
import { useCurrentUser } from '../api/CurrentUser';
import { hostsQuery } from '../api/hosts';
import { LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows } from '../components/SkeletonRows';
import { AddHostModal } from '../components/hosts/AddHostModal';
import { AgentTokenModal } from '../components/hosts/AgentTokenModal';
import { EditHostModal } from '../components/hosts/EditHostModal';
import { HOST_COLUMNS, HostRow } from '../components/hosts/HostRow';
import { RemoveHostModal } from '../components/hosts/RemoveHostModal';

export function HostsPage() {
  const me = useCurrentUser();
  // Editing hosts (add, edit, remove, rotate) is one guard; reconnecting is another.
  const isAdmin = can(me, hostsApi.update);
  const isOperator = can(me, hostsApi.reconnect);
  const hosts = useQuery(hostsQuery);
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<CreatedHost | null>(null);
  const [editing, setEditing] = useState<Host | null>(null);
  const [removing, setRemoving] = useState<Host | null>(null);

  return (
    <Stack gap="md">
      <PageHeader
        title="Hosts"
        description="Where containers run: the local Docker engine, remote engines over SSH, and hosts that push reports. Changes here are admin-only and need an unlock."
        actions={
          isAdmin && (
            <Button
              leftSection={<IconPlus size={16} />}
              onClick={() => setAdding(true)}
              data-testid="host-add"
            >
              Add host
            </Button>
          )
        }
      />
      {hosts.isError ? (
        <LoadError error={hosts.error} what="hosts" onRetry={() => void hosts.refetch()} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={980}>
            <Table verticalSpacing={8} horizontalSpacing="md" fz="sm" data-testid="hosts-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Label</Table.Th>
                  <Table.Th w={130}>Kind</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th w={100} ta="right">
                    Containers
                  </Table.Th>
                  <Table.Th w={110}>Protected</Table.Th>
                  <Table.Th>Details</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {hosts.isPending ? (
                  <SkeletonRows columns={HOST_COLUMNS} rows={2} />
                ) : (
                  hosts.data.items.map((h) => (
                    <HostRow
                      key={h.id}
                      host={h}
                      isAdmin={isAdmin}
                      isOperator={isOperator}
                      onEdit={setEditing}
                      onRemove={setRemoving}
                      onRotated={setCreated}
                    />
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {hosts.data?.items.length === 0 && (
            <EmptyState
              py="xl"
              icon={<IconServer size={28} stroke={1.5} />}
              withIndicatorBackground
              title="No hosts yet"
              description={
                isAdmin
                  ? 'Add the local Docker engine to start, then remote engines over SSH or push agents.'
                  : 'An admin adds hosts here.'
              }
              data-testid="hosts-empty"
            />
          )}
        </Paper>
      )}
      <AddHostModal
        opened={adding}
        onClose={() => setAdding(false)}
        onCreated={(c) => c.agentToken && setCreated(c)}
      />
      <AgentTokenModal created={created} onClose={() => setCreated(null)} />
      <EditHostModal host={editing} onClose={() => setEditing(null)} />
      <RemoveHostModal host={removing} onClose={() => setRemoving(null)} />
    </Stack>
  );
}
