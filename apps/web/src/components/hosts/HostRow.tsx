import type { ReactNode } from 'react';
import { ActionIcon, Badge, Code, Group, Menu, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconDots, IconKey, IconPencil, IconRefresh, IconShieldLock, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreatedHost, Host, HostKind } from '@airlock/contract/hosts';
import { reconnectHost, rotateHostToken, upsertCachedHost } from '../../api/hosts';
import { FormError } from '../FormError';
import { HostStatusBadge } from '../StatusBadges';
import { Timestamp } from '../Timestamp';
import { ConfirmHostKey } from './ConfirmHostKey';

/** The hosts table's column count, for rows that span it (skeletons, the key confirmation). */
export const HOST_COLUMNS = 7;
const KIND_LABEL: Record<HostKind, string> = { local: 'Local engine', ssh: 'SSH', agent: 'Push agent' };

function Details({ host }: { host: Host }) {
  const lines: ReactNode[] = [];
  if (host.local)
    lines.push(
      <Code key="s" fz="xs">
        {host.local.socketPath}
      </Code>,
    );
  if (host.ssh) {
    const s = host.ssh;
    lines.push(
      <Text key="t" size="xs" ff="monospace">
        {s.username}@{s.host}:{s.port} → {s.socketPath}
      </Text>,
      <Text key="f" size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
        {s.auth} auth · {s.hostKeyFingerprint ? `pinned ${s.hostKeyFingerprint}` : 'host key not pinned'}
      </Text>,
    );
    if (s.jump)
      lines.push(
        <Text key="j" size="xs" c="dimmed" ff="monospace">
          via {s.jump.username}@{s.jump.host}:{s.jump.port}
        </Text>,
      );
  }
  if (host.agent) {
    const a = host.agent;
    lines.push(
      <Text key="r" size="xs">
        last report <Timestamp value={a.lastReportAt} empty="never" span size="xs" />
        {a.hostname ? ` from ${a.hostname}` : ''}
      </Text>,
      <Text key="k" size="xs" c="dimmed" ff="monospace">
        token {a.tokenPrefix}… · every {a.intervalSeconds}s
      </Text>,
    );
  }
  return <Stack gap={2}>{lines}</Stack>;
}

export function HostRow({
  host,
  isAdmin,
  isOperator,
  onEdit,
  onRemove,
  onRotated,
}: {
  host: Host;
  isAdmin: boolean;
  isOperator: boolean;
  onEdit: (h: Host) => void;
  onRemove: (h: Host) => void;
  onRotated: (c: CreatedHost) => void;
}) {
  const qc = useQueryClient();
  const reconnect = useMutation({
    mutationFn: () => reconnectHost(host.id),
    onSuccess: (h) => upsertCachedHost(qc, h),
  });
  const rotate = useMutation({
    mutationFn: () => rotateHostToken(host.id),
    onSuccess: (c) => {
      upsertCachedHost(qc, c.host);
      onRotated(c);
    },
  });
  const s = host.status;
  const needsKey = Boolean(host.ssh?.presentedFingerprint || host.ssh?.jump?.presentedFingerprint);
  return (
    <>
      <Table.Tr data-testid="host-row" data-label={host.label} data-kind={host.kind} data-state={s.state}>
        <Table.Td>
          <Text size="sm" fw={600}>
            {host.label}
          </Text>
        </Table.Td>
        <Table.Td>
          <Text size="sm">{KIND_LABEL[host.kind]}</Text>
        </Table.Td>
        <Table.Td>
          <Stack gap={2}>
            <Group gap={6} wrap="nowrap">
              <HostStatusBadge state={s.state} />
              <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                since <Timestamp value={s.since} span size="xs" c="dimmed" />
              </Text>
            </Group>
            {s.reason && (
              <Text
                size="xs"
                c={s.state === 'unreachable' ? 'red' : 'dimmed'}
                maw={320}
                data-testid="host-reason"
              >
                {s.reason}
              </Text>
            )}
          </Stack>
        </Table.Td>
        <Table.Td ta="right">
          <Text size="sm" ff="monospace" data-testid="host-container-count">
            {host.containerCount}
          </Text>
        </Table.Td>
        <Table.Td>
          {host.protected ? (
            <Tooltip label="Fix agents are propose-only on this host" withArrow>
              <Badge
                color="orange"
                variant="light"
                size="sm"
                radius="sm"
                tt="none"
                leftSection={<IconShieldLock size={12} />}
              >
                protected
              </Badge>
            </Tooltip>
          ) : (
            <Text size="xs" c="dimmed">
              —
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          <Details host={host} />
        </Table.Td>
        <Table.Td ta="right">
          {(isAdmin || (isOperator && host.kind !== 'agent')) && (
            <Menu position="bottom-end" withinPortal shadow="md">
              <Menu.Target>
                <ActionIcon
                  variant="default"
                  size={30}
                  aria-label={`Actions for ${host.label}`}
                  data-testid="host-menu"
                >
                  <IconDots size={15} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                {host.kind !== 'agent' && (
                  <Menu.Item
                    leftSection={<IconRefresh size={14} />}
                    onClick={() => reconnect.mutate()}
                    data-testid="host-reconnect"
                  >
                    Reconnect now
                  </Menu.Item>
                )}
                {isAdmin && (
                  <Menu.Item
                    leftSection={<IconPencil size={14} />}
                    onClick={() => onEdit(host)}
                    data-testid="host-edit"
                  >
                    Edit
                  </Menu.Item>
                )}
                {isAdmin && host.kind === 'agent' && (
                  <Menu.Item
                    leftSection={<IconKey size={14} />}
                    onClick={() => rotate.mutate()}
                    data-testid="host-rotate"
                  >
                    Rotate token
                  </Menu.Item>
                )}
                {isAdmin && (
                  <Menu.Item
                    color="red"
                    leftSection={<IconTrash size={14} />}
                    onClick={() => onRemove(host)}
                    data-testid="host-remove"
                  >
                    Remove
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          )}
        </Table.Td>
      </Table.Tr>
      {(needsKey || reconnect.error || rotate.error) && (
        <Table.Tr>
          <Table.Td colSpan={HOST_COLUMNS}>
            <Stack gap="xs">
              <ConfirmHostKey host={host} jump={false} isAdmin={isAdmin} />
              <ConfirmHostKey host={host} jump isAdmin={isAdmin} />
              <FormError error={reconnect.error} title={`Could not reconnect ${host.label}`} />
              <FormError error={rotate.error} title={`Could not rotate the token of ${host.label}`} />
            </Stack>
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}
