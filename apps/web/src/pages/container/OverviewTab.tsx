import { Code, SimpleGrid, Text } from '@mantine/core';
import type { ContainerDetail } from '@airlock/contract/fleet';
import { Timestamp } from '../../components/Timestamp';
import { formatDateTime } from '../../lib/format';
import { Field } from './Field';

const argv = (a: string[]) =>
  a.length === 0 ? (
    <Text span c="dimmed" size="sm">
      —
    </Text>
  ) : (
    <Code fz="xs">{a.map((s) => (/[\s"'\\]/.test(s) || s === '' ? JSON.stringify(s) : s)).join(' ')}</Code>
  );

export function OverviewTab({ c }: { c: ContainerDetail }) {
  return (
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
            {formatDateTime(c.startedAt)} <Timestamp value={c.startedAt} span c="dimmed" size="sm" />
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
  );
}
