import { SimpleGrid, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { containerStatsQuery } from '../../api/containers';
import { LoadError } from '../../components/FormError';
import { formatBytes, formatDateTime } from '../../lib/format';
import { Field } from './Field';

export function StatsTab({ hostId, id, gone }: { hostId: string; id: string; gone: boolean }) {
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
