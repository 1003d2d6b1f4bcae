import { useState, type FormEvent, type ReactNode } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  EmptyState,
  Group,
  Modal,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconArrowLeft,
  IconEyeOff,
  IconPlayerPause,
  IconPlayerPlay,
  IconPlayerStop,
  IconRefresh,
  IconTrash,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import type { ContainerDetail, ContainerState, OperatorVerb } from '@airlock/contract/fleet';
import type { Host } from '@airlock/contract/hosts';
import {
  applyActionResult,
  containerQuery,
  containerStatsQuery,
  removeContainer,
  runContainerAction,
} from '../api/containers';
import { isApiError } from '../api/client';
import { hasRole, useCurrentUser } from '../api/CurrentUser';
import { hostsQuery } from '../api/hosts';
import { FormError, LoadError } from '../components/FormError';
import { LogsPanel } from '../components/LogsPanel';
import { ShellPanel } from '../components/ShellPanel';
import { ContainerStatusBadge, HealthText, HostStatusBadge } from '../components/StatusBadges';
import { Timestamp } from '../components/Timestamp';
import { formatBytes, formatDateTime, uptimeOf } from '../lib/format';
import { useNow } from '../lib/use-now';
import { FormFooter } from '../components/FormFooter';

const TABS = [
  'overview',
  'state',
  'stats',
  'ports',
  'networks',
  'mounts',
  'env',
  'labels',
  'logs',
  'shell',
] as const;
type Tab = (typeof TABS)[number];
const isTab = (s: string | null): s is Tab => TABS.some((t) => t === s);

/** Which verbs make sense in a state; the server decides anyway, this only avoids pointless clicks. */
const ENABLED: Record<OperatorVerb, (s: ContainerState) => boolean> = {
  start: (s) => s === 'created' || s === 'exited' || s === 'dead',
  stop: (s) => s === 'running' || s === 'restarting' || s === 'paused',
  restart: (s) => s === 'running' || s === 'exited' || s === 'created' || s === 'restarting' || s === 'dead',
  pause: (s) => s === 'running',
  unpause: (s) => s === 'paused',
};
const VERB_ICON: Record<OperatorVerb, ReactNode> = {
  start: <IconPlayerPlay size={14} />,
  stop: <IconPlayerStop size={14} />,
  restart: <IconRefresh size={14} />,
  pause: <IconPlayerPause size={14} />,
  unpause: <IconPlayerPlay size={14} />,
};

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase" style={{ letterSpacing: '0.03em' }}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ wordBreak: 'break-word' }} data-testid={testId}>
        {children}
      </Text>
    </Stack>
  );
}

const argv = (a: string[]) =>
  a.length === 0 ? (
    <Text span c="dimmed" size="sm">
      —
    </Text>
  ) : (
    <Code fz="xs">{a.map((s) => (/[\s"'\\]/.test(s) || s === '' ? JSON.stringify(s) : s)).join(' ')}</Code>
  );

function KeyValueTable({
  rows,
  empty,
  testId,
}: {
  rows: { key: string; value: ReactNode }[];
  empty: string;
  testId: string;
}) {
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid={`${testId}-empty`}>
        {empty}
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={500}>
      <Table fz="sm" verticalSpacing={4} striped data-testid={testId}>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key}>
              <Table.Td w="35%" style={{ verticalAlign: 'top' }}>
                <Text size="sm" ff="monospace" fz="xs" fw={600} style={{ wordBreak: 'break-all' }}>
                  {r.key}
                </Text>
              </Table.Td>
              <Table.Td style={{ wordBreak: 'break-all' }}>{r.value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function PortsTable({ c }: { c: ContainerDetail }) {
  if (c.ports.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No published or exposed ports.
      </Text>
    );
  return (
    <Table fz="sm" verticalSpacing={4} data-testid="container-ports">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Container port</Table.Th>
          <Table.Th>Protocol</Table.Th>
          <Table.Th>Published on</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {c.ports.map((p, i) => (
          <Table.Tr key={i}>
            <Table.Td ff="monospace">{p.privatePort}</Table.Td>
            <Table.Td>{p.type}</Table.Td>
            <Table.Td ff="monospace">
              {p.publicPort === null ? (
                <Text span c="dimmed" size="sm">
                  not published
                </Text>
              ) : (
                `${p.ip ?? '0.0.0.0'}:${p.publicPort}`
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function StatsPanel({ hostId, id, gone }: { hostId: string; id: string; gone: boolean }) {
  // A removed container has no stats: polling would only collect 404s.
  const stats = useQuery({ ...containerStatsQuery(hostId, id), enabled: !gone });
  if (stats.isError && !stats.data)
    return <LoadError error={stats.error} what="stats" onRetry={() => void stats.refetch()} />;
  const s = stats.data;
  const v = (x: string | null) => (s ? (x ?? '—') : <Skeleton h={14} w={80} />);
  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} spacing="md" data-testid="container-stats">
        <Field label="CPU">{v(s?.cpuPercent == null ? null : `${s.cpuPercent.toFixed(1)} %`)}</Field>
        <Field label="Memory">
          {v(
            s?.memoryBytes == null
              ? null
              : `${formatBytes(s.memoryBytes)}${s.memoryLimitBytes ? ` / ${formatBytes(s.memoryLimitBytes)}` : ''}${s.memoryPercent == null ? '' : ` (${s.memoryPercent.toFixed(1)} %)`}`,
          )}
        </Field>
        <Field label="Network rx / tx">
          {v(s?.netRxBytes == null ? null : `${formatBytes(s.netRxBytes)} / ${formatBytes(s.netTxBytes)}`)}
        </Field>
        <Field label="Block read / write">
          {v(
            s?.blockReadBytes == null
              ? null
              : `${formatBytes(s.blockReadBytes)} / ${formatBytes(s.blockWriteBytes)}`,
          )}
        </Field>
        <Field label="Processes">{v(s?.pids == null ? null : String(s.pids))}</Field>
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        {s ? `Sampled ${formatDateTime(s.at)} · refreshes every 5 s while this tab is open` : 'Loading…'}
      </Text>
    </Stack>
  );
}

function StatePanel({ c }: { c: ContainerDetail }) {
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="md">
        <Field label="State" testId="container-state">
          {c.state}
        </Field>
        <Field label="Health">
          <HealthText health={c.health} />
        </Field>
        <Field label="Exit code">{c.exitCode ?? '—'}</Field>
        <Field label="OOM-killed">
          {c.oomKilled ? (
            <Text span c="red" fw={600} size="sm">
              yes
            </Text>
          ) : (
            'no'
          )}
        </Field>
        <Field label="Restarts">{c.restartCount}</Field>
        <Field label="PID">{c.pid || '—'}</Field>
        <Field label="Finished">{c.finishedAt ? formatDateTime(c.finishedAt) : '—'}</Field>
        <Field label="Health failing streak">
          <Text
            span
            size="sm"
            c={c.failingStreak > 0 ? 'red' : undefined}
            fw={c.failingStreak > 0 ? 600 : 400}
          >
            {c.failingStreak}
          </Text>
        </Field>
      </SimpleGrid>
      {c.error && (
        <Alert color="red" variant="light" title="Engine error" py="xs">
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {c.error}
          </Text>
        </Alert>
      )}
      <Stack gap={4}>
        <Text size="sm" fw={600}>
          Health log
        </Text>
        {c.healthLog.length === 0 ? (
          <Text size="sm" c="dimmed">
            {c.health === 'none' ? 'This container has no healthcheck.' : 'No health checks recorded yet.'}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table fz="sm" verticalSpacing={4} data-testid="container-health-log">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={170}>Start</Table.Th>
                  <Table.Th w={80}>Exit</Table.Th>
                  <Table.Th>Output</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {c.healthLog.map((h, i) => (
                  <Table.Tr key={i}>
                    <Table.Td ff="monospace" fz="xs">
                      {formatDateTime(h.start)}
                    </Table.Td>
                    <Table.Td>
                      <Text span size="sm" c={h.exitCode === 0 ? 'teal' : 'red'} fw={600}>
                        {h.exitCode}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text
                        size="xs"
                        ff="monospace"
                        style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
                      >
                        {h.output || '(no output)'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Stack>
  );
}

function RemoveModal({
  c,
  opened,
  onClose,
  onRemoved,
}: {
  c: ContainerDetail;
  opened: boolean;
  onClose: () => void;
  onRemoved: () => void;
}) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState('');
  const m = useMutation({
    mutationFn: () => removeContainer(c.hostId, c.id, typed),
    onSuccess: (res) => {
      applyActionResult(qc, c.hostId, res, c.id);
      onRemoved();
    },
  });
  const close = () => {
    setTyped('');
    m.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed === c.name) m.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title={<Text fw={600}>Remove container {c.name}?</Text>} centered>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} py="xs">
            This force-removes the container and its anonymous volumes. It cannot be undone.
          </Alert>
          <TextInput
            label={
              <>
                Type <Code>{c.name}</Code> to confirm
              </>
            }
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            spellCheck={false}
            data-autofocus
            data-testid="remove-confirm-name"
          />
          <FormFooter
            error={m.error}
            pending={m.isPending}
            onCancel={close}
            color="red"
            disabled={typed !== c.name}
            label="Remove"
            testId="remove-submit"
          />
        </Stack>
      </form>
    </Modal>
  );
}

function Actions({ c, host, gone }: { c: ContainerDetail; host: Host | undefined; gone: boolean }) {
  const me = useCurrentUser();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [removing, setRemoving] = useState(false);
  const action = useMutation({
    mutationFn: (verb: OperatorVerb) => runContainerAction(c.hostId, c.id, verb),
    onSuccess: (res) => applyActionResult(qc, c.hostId, res),
  });
  if (host?.kind === 'agent') return null;
  if (!hasRole(me, 'operator')) return null;
  const busy = action.isPending ? action.variables : null;
  return (
    <Stack gap={6} align="flex-end">
      <Group gap={6} wrap="wrap" justify="flex-end">
        {(Object.keys(ENABLED) as OperatorVerb[]).map((verb) => (
          <Button
            key={verb}
            size="xs"
            variant="default"
            leftSection={VERB_ICON[verb]}
            disabled={gone || !ENABLED[verb](c.state) || (action.isPending && busy !== verb)}
            loading={busy === verb}
            onClick={() => action.mutate(verb)}
            data-testid={`action-${verb}`}
            tt="capitalize"
          >
            {verb}
          </Button>
        ))}
        {hasRole(me, 'admin') && (
          <Button
            size="xs"
            color="red"
            variant="outline"
            leftSection={<IconTrash size={14} />}
            disabled={gone}
            onClick={() => setRemoving(true)}
            data-testid="action-remove"
          >
            Remove
          </Button>
        )}
      </Group>
      <FormError
        error={action.error}
        title={action.variables ? `Could not ${action.variables}` : undefined}
      />
      <RemoveModal
        c={c}
        opened={removing}
        onClose={() => setRemoving(false)}
        onRemoved={() => void navigate('/fleet', { replace: true })}
      />
    </Stack>
  );
}

function ReadOnlyNote({ what }: { what: string }) {
  return (
    <Alert color="gray" variant="light" icon={<IconEyeOff size={18} />} data-testid="readonly-push-host">
      This is a read-only push host: it only sends reports, so Airlock has no {what} for its containers.
    </Alert>
  );
}

export function ContainerPage() {
  const { hostId = '', id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab: Tab = isTab(params.get('tab')) ? (params.get('tab') as Tab) : 'overview';
  const me = useCurrentUser();
  const detail = useQuery(containerQuery(hostId, id));
  const hosts = useQuery(hostsQuery);
  const host = hosts.data?.items.find((h) => h.id === hostId);
  const now = useNow(1_000);
  const push = host?.kind === 'agent';

  if (detail.isError && !detail.data) {
    return (
      <Stack gap="md">
        <Anchor component={Link} to="/fleet" size="sm">
          <Group gap={4}>
            <IconArrowLeft size={14} /> Fleet
          </Group>
        </Anchor>
        <LoadError error={detail.error} what="this container" onRetry={() => void detail.refetch()} />
      </Stack>
    );
  }
  const c = detail.data;
  // The engine no longer has it (the live stream said so and the re-read answered 404): keep what
  // was last known on screen, but say plainly that it is gone and offer nothing to do with it.
  const gone = c !== undefined && isApiError(detail.error) && detail.error.status === 404;
  const uptime = c && !gone ? uptimeOf(c, now) : null;

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/fleet" size="sm" data-testid="back-to-fleet">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Fleet
        </Group>
      </Anchor>
      <Paper
        withBorder
        radius="md"
        p="md"
        style={
          c?.status === 'red' && !gone
            ? {
                boxShadow: 'inset 4px 0 0 var(--mantine-color-red-filled)',
                background: 'var(--mantine-color-red-light)',
              }
            : undefined
        }
      >
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="md">
          <Stack gap={6} miw={0} style={{ flex: 1 }}>
            <Group gap="sm" wrap="wrap">
              <Title order={2} fz="h3" data-testid="container-name" style={{ wordBreak: 'break-all' }}>
                {c ? c.name : <Skeleton h={24} w={200} />}
              </Title>
              {c && gone && (
                <Badge
                  color="gray"
                  variant="filled"
                  size="sm"
                  radius="sm"
                  tt="none"
                  data-testid="container-gone-badge"
                >
                  removed
                </Badge>
              )}
              {c && !gone && <ContainerStatusBadge status={c.status} reason={c.statusReason} />}
            </Group>
            <Group gap="xs" wrap="wrap">
              <Text size="sm" c="dimmed">
                on
              </Text>
              <Text size="sm" fw={600} data-testid="container-host">
                {host?.label ?? hostId}
              </Text>
              {host && <HostStatusBadge state={host.status.state} />}
              {push && (
                <Badge color="gray" variant="outline" size="sm" radius="sm" tt="none">
                  read-only push host
                </Badge>
              )}
              {host?.protected && (
                <Badge color="orange" variant="light" size="sm" radius="sm" tt="none">
                  protected
                </Badge>
              )}
              {c && (
                <Text size="sm" c="dimmed" data-testid="container-header-state">
                  · {gone ? 'removed' : c.state}
                  {uptime ? ` for ${uptime}` : ''}
                </Text>
              )}
            </Group>
          </Stack>
          {c && <Actions c={c} host={host} gone={gone} />}
        </Group>
        {push && (
          <Text size="xs" c="dimmed" mt="xs">
            Read-only push host: no actions, no logs and no shell. What you see is its last report.
          </Text>
        )}
      </Paper>
      {gone && (
        <Alert
          color="orange"
          variant="light"
          icon={<IconTrash size={18} />}
          title="This container no longer exists"
          data-testid="container-gone"
        >
          It was removed from {host?.label ?? hostId} (outside Airlock or by someone else). What this page
          shows is its last known state; there is nothing left to act on.{' '}
          <Anchor component={Link} to="/fleet" size="sm">
            Back to the Fleet
          </Anchor>
        </Alert>
      )}

      <Tabs
        value={tab}
        onChange={(v) => {
          const next = new URLSearchParams(params);
          if (!v || v === 'overview') next.delete('tab');
          else next.set('tab', v);
          setParams(next, { replace: true });
        }}
        keepMounted={false}
        // Only the shell panel stays mounted (below), hidden with display: none. Not React's
        // <Activity>, Mantine's default: a hidden Activity runs effect clean-ups, which would close
        // the shell's socket just as unmounting does.
        keepMountedMode="display-none"
      >
        <Tabs.List style={{ flexWrap: 'wrap' }}>
          {TABS.map((t) => (
            <Tabs.Tab key={t} value={t} tt="capitalize" data-testid={`tab-${t}`}>
              {t === 'env' ? 'Env' : t}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Paper withBorder={false} pt="md">
          {!c ? (
            <Stack gap="xs">
              <Skeleton h={14} w="40%" />
              <Skeleton h={14} w="60%" />
              <Skeleton h={14} w="50%" />
            </Stack>
          ) : (
            <>
              <Tabs.Panel value="overview">
                <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="md" data-testid="container-overview">
                  <Field label="Image">
                    <Code fz="xs">{c.image}</Code>
                  </Field>
                  <Field label="ID">
                    <Code fz="xs" style={{ wordBreak: 'break-all' }}>
                      {c.id}
                    </Code>
                  </Field>
                  <Field label="Created">{formatDateTime(c.createdAt)}</Field>
                  <Field label="Started">
                    {c.startedAt ? (
                      <>
                        {formatDateTime(c.startedAt)}{' '}
                        <Timestamp value={c.startedAt} span c="dimmed" size="sm" />
                      </>
                    ) : (
                      'never'
                    )}
                  </Field>
                  <Field label="Command">{argv(c.cmd)}</Field>
                  <Field label="Entrypoint">{argv(c.entrypoint)}</Field>
                  <Field label="Restart policy">{c.restartPolicy || 'no'}</Field>
                  <Field label="TTY">{c.tty ? 'yes' : 'no'}</Field>
                  <Field label="Ports">
                    {c.ports.length === 0
                      ? '—'
                      : c.ports
                          .map((p) =>
                            p.publicPort === null
                              ? `${p.privatePort}/${p.type}`
                              : `${p.ip ?? '0.0.0.0'}:${p.publicPort} → ${p.privatePort}/${p.type}`,
                          )
                          .join(', ')}
                  </Field>
                </SimpleGrid>
              </Tabs.Panel>
              <Tabs.Panel value="state">
                <StatePanel c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="stats">
                <StatsPanel hostId={c.hostId} id={c.id} gone={gone} />
              </Tabs.Panel>
              <Tabs.Panel value="ports">
                <PortsTable c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="networks">
                {c.networks.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    Not attached to any network.
                  </Text>
                ) : (
                  <Table.ScrollContainer minWidth={640}>
                    <Table fz="sm" verticalSpacing={4} data-testid="container-networks">
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Network</Table.Th>
                          <Table.Th>IP address</Table.Th>
                          <Table.Th>Gateway</Table.Th>
                          <Table.Th>MAC</Table.Th>
                          <Table.Th>Aliases</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {c.networks.map((n) => (
                          <Table.Tr key={n.name}>
                            <Table.Td fw={600}>{n.name}</Table.Td>
                            <Table.Td ff="monospace">{n.ipAddress || '—'}</Table.Td>
                            <Table.Td ff="monospace">{n.gateway || '—'}</Table.Td>
                            <Table.Td ff="monospace">{n.macAddress || '—'}</Table.Td>
                            <Table.Td>{n.aliases.join(', ') || '—'}</Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </Table.ScrollContainer>
                )}
              </Tabs.Panel>
              <Tabs.Panel value="mounts">
                {c.mounts.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    No mounts.
                  </Text>
                ) : (
                  <Table.ScrollContainer minWidth={640}>
                    <Table fz="sm" verticalSpacing={4} data-testid="container-mounts">
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Type</Table.Th>
                          <Table.Th>Source</Table.Th>
                          <Table.Th>Destination</Table.Th>
                          <Table.Th>Mode</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {c.mounts.map((m, i) => (
                          <Table.Tr key={i}>
                            <Table.Td>{m.type}</Table.Td>
                            <Table.Td ff="monospace" fz="xs" style={{ wordBreak: 'break-all' }}>
                              {m.name ?? m.source}
                            </Table.Td>
                            <Table.Td ff="monospace" fz="xs" style={{ wordBreak: 'break-all' }}>
                              {m.destination}
                            </Table.Td>
                            <Table.Td>{m.rw ? 'read-write' : 'read-only'}</Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </Table.ScrollContainer>
                )}
              </Tabs.Panel>
              <Tabs.Panel value="env">
                <Stack gap="xs">
                  <Text size="xs" c="dimmed">
                    Secret-looking values are masked for every role, admins included.
                  </Text>
                  <KeyValueTable
                    testId="container-env"
                    empty="No environment variables."
                    rows={c.env.map((e) => ({
                      key: e.name,
                      value: e.masked ? (
                        <Badge
                          size="sm"
                          variant="light"
                          color="gray"
                          radius="sm"
                          tt="none"
                          data-testid="env-masked"
                        >
                          masked
                        </Badge>
                      ) : (
                        <Text size="xs" ff="monospace">
                          {e.value}
                        </Text>
                      ),
                    }))}
                  />
                </Stack>
              </Tabs.Panel>
              <Tabs.Panel value="labels">
                <KeyValueTable
                  testId="container-labels"
                  empty="No labels."
                  rows={Object.entries(c.labels)
                    .sort(([a], [b]) => (a < b ? -1 : 1))
                    .map(([k, v]) => ({
                      key: k,
                      value: (
                        <Text size="xs" ff="monospace">
                          {v}
                        </Text>
                      ),
                    }))}
                />
              </Tabs.Panel>
              <Tabs.Panel value="logs">
                {push ? <ReadOnlyNote what="logs" /> : <LogsPanel hostId={c.hostId} containerId={c.id} />}
              </Tabs.Panel>
              {/* A shell is kept while the page is open: switching tabs must not end it. What
                  stands in for one (push host, removed, no role) comes and goes like any tab. */}
              <Tabs.Panel value="shell" keepMounted={!push && !gone && hasRole(me, 'operator')}>
                {push ? (
                  <ReadOnlyNote what="shell" />
                ) : gone ? (
                  <Text size="sm" c="dimmed" data-testid="shell-gone">
                    The container was removed; there is no shell to open.
                  </Text>
                ) : !hasRole(me, 'operator') ? (
                  <EmptyState
                    title="A shell needs the operator role"
                    description={`You are signed in as ${me.user.username} with the ${me.user.role} role.`}
                    data-testid="shell-forbidden"
                  />
                ) : (
                  <ShellPanel hostId={c.hostId} containerId={c.id} />
                )}
              </Tabs.Panel>
            </>
          )}
        </Paper>
      </Tabs>
    </Stack>
  );
}
