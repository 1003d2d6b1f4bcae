import { Fragment, useMemo, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Code,
  EmptyState,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import {
  IconChevronRight,
  IconFilter,
  IconListDetails,
  IconSearch,
  IconShieldCheck,
  IconShieldX,
  IconUser,
  IconX,
} from '@tabler/icons-react';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import type { AuditEvent } from '@airlock/contract/audit';
import { auditQuery, verifyAuditChain, type AuditFilters } from '../api/audit';
import { auditApi } from '@airlock/contract/audit';
import { can } from '@airlock/contract/endpoint';
import { useCurrentUser } from '../api/CurrentUser';
import { useStreamEvent } from '../api/StreamProvider';
import { FormError, LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { RoleRequired } from '../components/RoleRequired';
import { SkeletonRows } from '../components/SkeletonRows';
import { Timestamp } from '../components/Timestamp';

const COLUMNS = 6;

/** Refusals and failures stand out; everything else stays quiet. */
function actionColor(action: string): string {
  if (/(fail|denied|refused|blocked|locked|tamper|revoke|disable|delete|remove)/.test(action)) return 'red';
  if (/(create|setup|enable|unlock|login)/.test(action)) return 'teal';
  return 'gray';
}

function Actor({ event }: { event: AuditEvent }) {
  const name = event.actorName ?? event.actorId;
  return (
    <Group gap={6} wrap="nowrap">
      {event.actorType === 'user' ? (
        <IconUser size={14} stroke={1.6} style={{ flexShrink: 0, opacity: 0.6 }} />
      ) : (
        <Badge size="xs" variant="outline" color="gray" radius="sm" tt="none">
          {event.actorType}
        </Badge>
      )}
      {name && (
        <Text size="sm" truncate="end" maw={180}>
          {name}
        </Text>
      )}
    </Group>
  );
}

function AuditRow({ event, fresh }: { event: AuditEvent; fresh: boolean }) {
  const [open, setOpen] = useState(false);
  const keys = Object.keys(event.details);
  return (
    <Fragment>
      <Table.Tr data-testid="audit-row" data-seq={event.seq} className={fresh ? 'airlock-fresh' : undefined}>
        <Table.Td>
          <Text size="sm" ff="monospace" c="dimmed">
            #{event.seq}
          </Text>
        </Table.Td>
        <Table.Td>
          <Timestamp value={event.ts} mode="absolute" ff="monospace" fz="xs" />
        </Table.Td>
        <Table.Td>
          <Actor event={event} />
        </Table.Td>
        <Table.Td>
          <Badge
            variant="light"
            color={actionColor(event.action)}
            radius="sm"
            tt="none"
            ff="monospace"
            fw={500}
          >
            {event.action}
          </Badge>
        </Table.Td>
        <Table.Td>
          <Text size="sm" ff="monospace" truncate="end" maw={260} title={event.target ?? undefined}>
            {event.target ?? (
              <Text span c="dimmed">
                —
              </Text>
            )}
          </Text>
        </Table.Td>
        <Table.Td>
          <Group gap={4} wrap="nowrap">
            <ActionIcon
              variant="subtle"
              color="gray"
              size="sm"
              onClick={() => setOpen((o) => !o)}
              aria-expanded={open}
              aria-label={open ? 'Hide details' : 'Show details'}
              data-testid="audit-details-toggle"
            >
              <IconChevronRight
                size={14}
                style={{ transform: open ? 'rotate(90deg)' : undefined, transition: 'transform 120ms' }}
              />
            </ActionIcon>
            <Text size="xs" c="dimmed">
              {keys.length === 0 ? 'no fields' : keys.length === 1 ? '1 field' : `${keys.length} fields`}
            </Text>
          </Group>
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={COLUMNS} p={0}>
            <Stack gap={6} p="sm" data-testid="audit-details">
              <Code block fz="xs" style={{ maxHeight: 320, overflow: 'auto' }}>
                {JSON.stringify(event.details, null, 2)}
              </Code>
              <Text size="xs" c="dimmed" ff="monospace" style={{ wordBreak: 'break-all' }}>
                hash {event.hash} · prev {event.prevHash}
              </Text>
            </Stack>
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}

export function AuditPage() {
  const me = useCurrentUser();
  const allowed = can(me, auditApi.list);
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [q, setQ] = useState('');
  // Memoized so the debounce only restarts when the text changes, not on every render.
  const typed = useMemo<AuditFilters>(
    () => ({ action: action.trim(), actor: actor.trim(), q: q.trim() }),
    [action, actor, q],
  );
  const [filters] = useDebouncedValue(typed, 300);
  const filtered = Boolean(filters.action || filters.actor || filters.q);
  const list = useInfiniteQuery(auditQuery(filters));
  const verify = useMutation({ mutationFn: verifyAuditChain });
  const result = verify.data;
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());

  useStreamEvent('audit.appended', (msg) => {
    const seq = msg.event.seq;
    setFresh((s) => new Set(s).add(seq));
    setTimeout(() => {
      setFresh((s) => {
        const next = new Set(s);
        next.delete(seq);
        return next;
      });
    }, 3000);
  });

  const events = list.data?.pages.flatMap((p) => p.items) ?? [];
  const clear = () => {
    setAction('');
    setActor('');
    setQ('');
  };

  return (
    <Stack gap="md">
      <PageHeader
        title="Audit log"
        description="Everything a person, token or agent changed, newest first. Each event is hash-chained to the one before, so an edit anywhere is detectable."
        actions={
          allowed && (
            <Button
              variant="default"
              leftSection={<IconShieldCheck size={16} />}
              onClick={() => verify.mutate()}
              loading={verify.isPending}
              data-testid="audit-verify"
            >
              Verify chain
            </Button>
          )
        }
      />

      {!allowed && (
        <RoleRequired
          title="The audit log needs the operator role"
          endpoint={auditApi.list}
          testId="audit-forbidden"
        />
      )}

      <FormError error={verify.error} title="Could not verify the chain" />
      {result && (
        <Alert
          data-testid="audit-verify-result"
          data-ok={result.ok}
          color={result.ok ? 'teal' : 'red'}
          variant="light"
          icon={result.ok ? <IconShieldCheck size={18} /> : <IconShieldX size={18} />}
          withCloseButton
          onClose={() => verify.reset()}
          py="xs"
        >
          {result.ok
            ? `Chain intact — ${result.checked} ${result.checked === 1 ? 'event' : 'events'} checked`
            : `Tampering detected at event #${result.firstBadSeq ?? '?'}: ${result.reason ?? 'hash mismatch'}`}
        </Alert>
      )}

      {allowed && (
        <Group gap="xs" wrap="wrap">
          <TextInput
            placeholder="Action prefix, e.g. user."
            aria-label="Filter by action"
            leftSection={<IconFilter size={15} />}
            value={action}
            onChange={(e) => setAction(e.currentTarget.value)}
            w={{ base: '100%', xs: 220 }}
            size="sm"
            data-testid="audit-filter-action"
          />
          <TextInput
            placeholder="Actor (username)"
            aria-label="Filter by actor"
            leftSection={<IconUser size={15} />}
            value={actor}
            onChange={(e) => setActor(e.currentTarget.value)}
            w={{ base: '100%', xs: 180 }}
            size="sm"
            data-testid="audit-filter-actor"
          />
          <TextInput
            placeholder="Search action, target, details"
            aria-label="Search"
            leftSection={<IconSearch size={15} />}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            w={{ base: '100%', xs: 260 }}
            size="sm"
            data-testid="audit-filter-q"
          />
          {(action || actor || q) && (
            <Button variant="subtle" color="gray" size="sm" leftSection={<IconX size={14} />} onClick={clear}>
              Clear
            </Button>
          )}
        </Group>
      )}

      {list.isError && !list.data ? (
        <LoadError error={list.error} what="the audit log" onRetry={() => void list.refetch()} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={820}>
            <Table
              verticalSpacing={6}
              horizontalSpacing="md"
              highlightOnHover
              fz="sm"
              data-testid="audit-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={80}>Seq</Table.Th>
                  <Table.Th w={170}>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th w={120}>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.isPending ? (
                  <SkeletonRows columns={COLUMNS} rows={8} />
                ) : (
                  events.map((e) => <AuditRow key={e.seq} event={e} fresh={fresh.has(e.seq)} />)
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {!list.isPending && events.length === 0 && (
            <EmptyState
              py="xl"
              icon={<IconListDetails size={28} stroke={1.5} />}
              withIndicatorBackground
              title={filtered ? 'No events match these filters' : 'No audit events yet'}
              description={
                filtered
                  ? 'Try a shorter action prefix or clear the filters.'
                  : 'Sign-ins, user changes and token changes will be recorded here.'
              }
            >
              {filtered && (
                <EmptyState.Actions>
                  <Button variant="default" size="xs" onClick={clear}>
                    Clear filters
                  </Button>
                </EmptyState.Actions>
              )}
            </EmptyState>
          )}
        </Paper>
      )}

      {events.length > 0 && (
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            {events.length} {events.length === 1 ? 'event' : 'events'} shown
            {list.isFetching && !list.isFetchingNextPage ? ' · refreshing…' : ''}
          </Text>
          {list.hasNextPage ? (
            <Button
              variant="default"
              size="xs"
              onClick={() => void list.fetchNextPage()}
              loading={list.isFetchingNextPage}
              data-testid="audit-load-more"
            >
              Load more
            </Button>
          ) : (
            <Text size="xs" c="dimmed">
              Beginning of the log
            </Text>
          )}
        </Group>
      )}
      {list.isFetchNextPageError && (
        <Box>
          <FormError error={list.error} title="Could not load more events" />
        </Box>
      )}
    </Stack>
  );
}
