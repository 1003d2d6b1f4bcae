import { useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  Alert,
  Badge,
  Box,
  Button,
  EmptyState,
  Group,
  MultiSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import {
  IconAlertTriangle,
  IconArrowDown,
  IconArrowUp,
  IconArrowsSort,
  IconBox,
  IconSearch,
  IconServer,
  IconX,
} from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import {
  ContainerState,
  Health,
  StatusClass,
  type ContainerList,
  type ContainerSort,
  type ContainerSummary,
} from '@airlock/contract/fleet';
import { can } from '@airlock/contract/endpoint';
import { hostsApi, type Host } from '@airlock/contract/hosts';
import { containersQuery } from '../api/containers';
import { useCurrentUser } from '../api/CurrentUser';
import { hostLabelLookup, hostsQuery } from '../api/hosts';
import { LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows } from '../components/SkeletonRows';
import { ContainerStatusBadge, HealthText, STATUS_COLOR } from '../components/StatusBadges';
import { Timestamp } from '../components/Timestamp';
import {
  DEFAULT_FLEET_FILTERS,
  filtersFromParams,
  filtersToParams,
  isFiltered,
  type FleetFilters,
} from '../lib/fleet-list';
import { uptimeOf } from '../lib/format';
import { useNow } from '../lib/use-now';
import { useWindowedRows } from '../lib/windowing';

const ROW_HEIGHT = 41;
const COLUMNS = 8;

const STATE_OPTIONS = ContainerState.options.map((s) => ({ value: s, label: s }));
const HEALTH_OPTIONS = Health.options.map((h) => ({ value: h, label: h === 'none' ? 'no healthcheck' : h }));
const STATUS_OPTIONS = StatusClass.options.map((s) => ({ value: s, label: s }));

function useFleetFilters(): [FleetFilters, (patch: Partial<FleetFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const update = (patch: Partial<FleetFilters>) =>
    setParams(filtersToParams({ ...filters, ...patch }), { replace: true });
  return [filters, update];
}

function SortHeader({
  column,
  label,
  filters,
  onSort,
  w,
  right = false,
}: {
  column: ContainerSort;
  label: string;
  filters: FleetFilters;
  onSort: (column: ContainerSort) => void;
  w?: number;
  right?: boolean;
}) {
  const active = filters.sort === column;
  const Icon = !active ? IconArrowsSort : filters.order === 'asc' ? IconArrowUp : IconArrowDown;
  return (
    <Table.Th
      w={w}
      ta={right ? 'right' : undefined}
      aria-sort={active ? (filters.order === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <UnstyledButton
        onClick={() => onSort(column)}
        data-testid={`fleet-sort-${column}`}
        style={{
          display: 'inline-flex',
          alignItems: 'center',
          gap: 4,
          fontWeight: 600,
          fontSize: 'inherit',
          whiteSpace: 'nowrap',
        }}
      >
        {label}
        <Icon size={13} stroke={1.8} style={{ opacity: active ? 1 : 0.4 }} />
      </UnstyledButton>
    </Table.Th>
  );
}

function CountBadge({
  status,
  count,
  active,
  onClick,
}: {
  status: StatusClass;
  count: number | undefined;
  active: boolean;
  onClick: () => void;
}) {
  return (
    <Badge
      component="button"
      type="button"
      onClick={onClick}
      color={STATUS_COLOR[status]}
      variant={active ? 'filled' : status === 'red' && (count ?? 0) > 0 ? 'filled' : 'light'}
      size="lg"
      radius="sm"
      tt="none"
      style={{ cursor: 'pointer', outline: active ? '2px solid var(--mantine-color-text)' : undefined }}
      aria-pressed={active}
      title={active ? `Showing only ${status}; click to show all` : `Show only ${status}`}
      data-testid={`fleet-count-${status}`}
      data-count={count ?? ''}
    >
      {count ?? '…'} {status}
    </Badge>
  );
}

/** Hosts whose containers may be out of date or missing from the list, with why and since when. */
function HostProblems({ hosts }: { hosts: Host[] }) {
  const bad = hosts.filter((h) => h.status.state !== 'connected' && h.status.state !== 'pending');
  if (bad.length === 0) return null;
  return (
    <Alert
      color={bad.some((h) => h.status.state === 'unreachable') ? 'red' : 'yellow'}
      variant="light"
      icon={<IconAlertTriangle size={18} />}
      title={
        bad.length === 1
          ? `1 host is ${bad[0]!.status.state}: its containers may be out of date`
          : `${bad.length} hosts need attention: their containers may be out of date`
      }
      data-testid="fleet-host-problems"
      py="xs"
    >
      <Stack gap={4}>
        {bad.map((h) => (
          <Group key={h.id} gap={8} wrap="nowrap" data-testid="fleet-host-problem" data-host={h.label}>
            <Text size="sm" fw={600} style={{ flexShrink: 0 }}>
              {h.label}
            </Text>
            <Badge size="xs" radius="sm" tt="none" variant="outline" color="gray" style={{ flexShrink: 0 }}>
              {h.status.state}
            </Badge>
            <Text size="sm" truncate="end" title={h.status.reason}>
              {h.status.reason || 'no reason given'}
            </Text>
            <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
              since <Timestamp value={h.status.since} span size="xs" c="dimmed" />
            </Text>
          </Group>
        ))}
      </Stack>
    </Alert>
  );
}

/**
 * Names often share a long prefix (compose project, run id) and differ only at the end, so a long
 * name is cut in the middle: the start shrinks with an ellipsis, the last characters stay visible.
 */
const TAIL = 10;
function MiddleTruncated({ name }: { name: string }) {
  if (name.length <= TAIL * 2) return <>{name}</>;
  return (
    <>
      <span
        style={{
          display: 'inline-block',
          maxWidth: `calc(100% - ${TAIL + 1}ch)`,
          overflow: 'hidden',
          textOverflow: 'ellipsis',
          whiteSpace: 'nowrap',
          verticalAlign: 'bottom',
        }}
      >
        {name.slice(0, -TAIL)}
      </span>
      {name.slice(-TAIL)}
    </>
  );
}

function FleetRow({
  c,
  hostLabel,
  now,
  onOpen,
}: {
  c: ContainerSummary;
  hostLabel: string;
  now: number;
  onOpen: (c: ContainerSummary) => void;
}) {
  const red = c.status === 'red';
  const uptime = uptimeOf(c, now);
  const to = `/fleet/${encodeURIComponent(c.hostId)}/${encodeURIComponent(c.id)}`;
  return (
    <Table.Tr
      h={ROW_HEIGHT}
      onClick={() => onOpen(c)}
      data-testid="fleet-row"
      data-name={c.name}
      data-status={c.status}
      data-state={c.state}
      data-host={hostLabel}
      style={{
        cursor: 'pointer',
        background: red ? 'var(--mantine-color-red-light)' : undefined,
        boxShadow: red ? 'inset 4px 0 0 var(--mantine-color-red-filled)' : undefined,
      }}
    >
      <Table.Td style={{ overflow: 'hidden' }}>
        <ContainerStatusBadge status={c.status} reason={c.statusReason} />
      </Table.Td>
      <Table.Td style={{ overflow: 'hidden' }}>
        <Text
          component={Link}
          to={to}
          onClick={(e) => e.stopPropagation()}
          size="sm"
          fw={600}
          display="block"
          c="inherit"
          title={c.name}
          data-testid="fleet-row-name"
          style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
        >
          <MiddleTruncated name={c.name} />
        </Text>
      </Table.Td>
      <Table.Td style={{ overflow: 'hidden' }}>
        <Text size="sm" truncate="end" title={hostLabel}>
          {hostLabel}
        </Text>
      </Table.Td>
      <Table.Td style={{ overflow: 'hidden' }}>
        <Text size="sm" ff="monospace" fz="xs" truncate="end" title={c.image}>
          {c.image}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="fleet-row-state">
          {c.state}
          {c.state === 'exited' && c.exitCode !== null ? ` (${c.exitCode})` : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        <HealthText health={c.health} />
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace" fz="xs" c={uptime ? undefined : 'dimmed'}>
          {uptime ?? '—'}
        </Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text
          size="sm"
          ff="monospace"
          fz="xs"
          c={c.restartCount > 0 ? 'orange' : 'dimmed'}
          fw={c.restartCount > 0 ? 600 : 400}
        >
          {c.restartCount}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

function FleetTable({
  items,
  pending,
  filters,
  onSort,
  hostLabel,
  empty,
}: {
  items: ContainerSummary[];
  pending: boolean;
  filters: FleetFilters;
  onSort: (c: ContainerSort) => void;
  hostLabel: (id: string) => string;
  empty: ReactNode;
}) {
  const navigate = useNavigate();
  const now = useNow(1_000);
  const win = useWindowedRows<HTMLDivElement>(items.length, ROW_HEIGHT);
  const open = (c: ContainerSummary) =>
    void navigate(`/fleet/${encodeURIComponent(c.hostId)}/${encodeURIComponent(c.id)}`);
  const header = (props: { column: ContainerSort; label: string; w?: number; right?: boolean }) => (
    <SortHeader {...props} filters={filters} onSort={onSort} />
  );

  return (
    <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
      <Box
        ref={win.ref}
        style={{ overflow: 'auto', maxHeight: 'max(420px, calc(100dvh - 290px))' }}
        data-testid="fleet-scroll"
      >
        <Table
          verticalSpacing={6}
          horizontalSpacing="sm"
          highlightOnHover
          stickyHeader
          fz="sm"
          miw={980}
          style={{ tableLayout: 'fixed' }}
          data-testid="fleet-table"
          data-rows={items.length}
        >
          <Table.Thead>
            <Table.Tr>
              {header({ column: 'status', label: 'Status', w: 170 })}
              {header({ column: 'name', label: 'Name' })}
              {header({ column: 'host', label: 'Host', w: 120 })}
              {header({ column: 'image', label: 'Image', w: 180 })}
              {header({ column: 'state', label: 'State', w: 100 })}
              <Table.Th w={95}>Health</Table.Th>
              {header({ column: 'uptime', label: 'Uptime', w: 84 })}
              {header({ column: 'restarts', label: 'Restarts', w: 112, right: true })}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pending ? (
              <SkeletonRows columns={COLUMNS} rows={8} />
            ) : (
              <>
                {win.padTop > 0 && (
                  <tr aria-hidden style={{ height: win.padTop }}>
                    <td colSpan={COLUMNS} style={{ padding: 0, border: 0 }} />
                  </tr>
                )}
                {items.slice(win.start, win.end).map((c) => (
                  <FleetRow
                    key={`${c.hostId}/${c.id}`}
                    c={c}
                    hostLabel={hostLabel(c.hostId)}
                    now={now}
                    onOpen={open}
                  />
                ))}
                {win.padBottom > 0 && (
                  <tr aria-hidden style={{ height: win.padBottom }}>
                    <td colSpan={COLUMNS} style={{ padding: 0, border: 0 }} />
                  </tr>
                )}
              </>
            )}
          </Table.Tbody>
        </Table>
        {!pending && items.length === 0 && empty}
      </Box>
    </Paper>
  );
}

export function FleetPage() {
  const me = useCurrentUser();
  const qc = useQueryClient();
  const [filters, update] = useFleetFilters();
  const [search, setSearch] = useState(filters.q);
  const [debounced] = useDebouncedValue(search, 250);
  useEffect(() => {
    if (debounced.trim() !== filters.q.trim()) update({ q: debounced });
    // Only the typed text drives this; the URL side is read fresh on each call.
  }, [debounced]);

  const hosts = useQuery(hostsQuery);
  const list = useQuery({ ...containersQuery(qc, filters), placeholderData: (prev) => prev });
  const hostLabel = useMemo(() => hostLabelLookup(hosts.data), [hosts.data]);
  const data: ContainerList | undefined = list.data;
  const filtered = isFiltered(filters);

  const onSort = (column: ContainerSort) =>
    update(
      filters.sort === column
        ? { order: filters.order === 'asc' ? 'desc' : 'asc' }
        : { sort: column, order: 'asc' },
    );
  const toggleStatus = (s: StatusClass) =>
    update({ status: filters.status.length === 1 && filters.status[0] === s ? [] : [s] });
  const clear = () => {
    setSearch('');
    update({ ...DEFAULT_FLEET_FILTERS, sort: filters.sort, order: filters.order });
  };

  const hostOptions = (hosts.data?.items ?? []).map((h) => ({ value: h.id, label: h.label }));
  const noHosts = hosts.data?.items.length === 0;

  const empty = noHosts ? (
    <EmptyState
      py="xl"
      icon={<IconServer size={28} stroke={1.5} />}
      withIndicatorBackground
      title="No hosts yet"
      description={
        can(me, hostsApi.create)
          ? 'Airlock watches containers on hosts you add: the local Docker engine, a remote engine over SSH, or a host that pushes reports.'
          : 'Airlock watches containers on hosts an admin adds. Ask an admin to add one under Settings → Hosts.'
      }
      data-testid="fleet-empty"
    >
      {can(me, hostsApi.create) && (
        <EmptyState.Actions>
          <Button component={Link} to="/settings/hosts" size="xs" data-testid="fleet-add-host">
            Add a host in Settings → Hosts
          </Button>
        </EmptyState.Actions>
      )}
    </EmptyState>
  ) : (
    <EmptyState
      py="xl"
      icon={<IconBox size={28} stroke={1.5} />}
      withIndicatorBackground
      title={filtered ? 'No containers match these filters' : 'No containers on any host'}
      description={filtered ? 'Clear the filters to see the whole fleet.' : undefined}
      data-testid="fleet-empty"
    >
      {filtered && (
        <EmptyState.Actions>
          <Button variant="default" size="xs" onClick={clear}>
            Clear filters
          </Button>
        </EmptyState.Actions>
      )}
    </EmptyState>
  );

  return (
    <Stack gap="sm">
      <PageHeader
        title="Fleet"
        description="Every container on every host, live. Red first: unhealthy, restart loops, failed exits, dead and OOM-killed."
        actions={
          <Group gap={6} data-testid="fleet-counts">
            {StatusClass.options
              .slice()
              .reverse()
              .map((s) => (
                <CountBadge
                  key={s}
                  status={s}
                  count={data?.counts[s]}
                  active={filters.status.length === 1 && filters.status[0] === s}
                  onClick={() => toggleStatus(s)}
                />
              ))}
          </Group>
        }
      />

      {hosts.data && <HostProblems hosts={hosts.data.items} />}

      <Group gap="xs" wrap="wrap" align="flex-end">
        <TextInput
          placeholder="Search name, image, label"
          aria-label="Search containers"
          leftSection={<IconSearch size={15} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={{ base: '100%', xs: 240 }}
          size="sm"
          data-testid="fleet-search"
        />
        <MultiSelect
          placeholder={filters.host.length ? undefined : 'All hosts'}
          aria-label="Filter by host"
          data={hostOptions}
          value={filters.host}
          onChange={(v) => update({ host: v })}
          searchable
          clearable
          size="sm"
          w={{ base: '100%', xs: 200 }}
          data-testid="fleet-filter-host"
        />
        <MultiSelect
          placeholder={filters.state.length ? undefined : 'Any state'}
          aria-label="Filter by state"
          data={STATE_OPTIONS}
          value={filters.state}
          onChange={(v) => update({ state: v.flatMap((s) => ContainerState.safeParse(s).data ?? []) })}
          clearable
          size="sm"
          w={{ base: '100%', xs: 170 }}
          data-testid="fleet-filter-state"
        />
        <MultiSelect
          placeholder={filters.health.length ? undefined : 'Any health'}
          aria-label="Filter by health"
          data={HEALTH_OPTIONS}
          value={filters.health}
          onChange={(v) => update({ health: v.flatMap((s) => Health.safeParse(s).data ?? []) })}
          clearable
          size="sm"
          w={{ base: '100%', xs: 170 }}
          data-testid="fleet-filter-health"
        />
        <MultiSelect
          placeholder={filters.status.length ? undefined : 'Any status'}
          aria-label="Filter by status"
          data={STATUS_OPTIONS}
          value={filters.status}
          onChange={(v) => update({ status: v.flatMap((s) => StatusClass.safeParse(s).data ?? []) })}
          clearable
          size="sm"
          w={{ base: '100%', xs: 160 }}
          data-testid="fleet-filter-status"
        />
        {(filtered || search) && (
          <Button variant="subtle" color="gray" size="sm" leftSection={<IconX size={14} />} onClick={clear}>
            Clear
          </Button>
        )}
      </Group>

      {list.isError && !data ? (
        <LoadError error={list.error} what="the fleet" onRetry={() => void list.refetch()} />
      ) : (
        <FleetTable
          items={data?.items ?? []}
          pending={list.isPending}
          filters={filters}
          onSort={onSort}
          hostLabel={hostLabel}
          empty={empty}
        />
      )}
      {data && data.items.length > 0 && (
        <Text size="xs" c="dimmed" data-testid="fleet-shown">
          {data.items.length === data.total
            ? `${data.total} ${data.total === 1 ? 'container' : 'containers'}`
            : `${data.items.length} of ${data.total} containers`}
          {filtered ? ' match' : ''} · {hosts.data?.items.length ?? 0}{' '}
          {hosts.data?.items.length === 1 ? 'host' : 'hosts'}
          {list.isFetching ? ' · refreshing…' : ''}
        </Text>
      )}
    </Stack>
  );
}
