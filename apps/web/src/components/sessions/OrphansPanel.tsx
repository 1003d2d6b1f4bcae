import { Alert, Code, List, Text } from '@mantine/core';
import { IconGhost2 } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { orphansQuery } from '../../api/sessions';

const KIND_TEXT = { sandbox: 'sandbox', socket: 'socket directory', policy: 'gateway policy' } as const;

/**
 * What the start-up reconciliation found that belongs to no known session. Removing them is the
 * CLI's job (it shows the plan and asks), so this only lists them and says how.
 */
export function OrphansPanel() {
  const orphans = useQuery(orphansQuery);
  // Only admins mount this; a failure to read them is not worth a second error on the page.
  const items = orphans.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconGhost2 size={18} />}
      title={`${items.length} orphaned ${items.length === 1 ? 'leftover' : 'leftovers'} of sessions Airlock no longer knows`}
      data-testid="orphans"
    >
      <List size="sm" spacing={2} mb="xs">
        {items.map((o) => (
          <List.Item key={`${o.kind}-${o.sessionId}-${o.detail}`} data-testid="orphan">
            {KIND_TEXT[o.kind]} of <Code fz="xs">{o.sessionId}</Code>{' '}
            <Text span size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              {o.detail}
            </Text>
          </List.Item>
        ))}
      </List>
      <Text size="sm">
        Remove them with <Code>airlock cleanup</Code> (it lists the plan and asks first; <Code>--yes</Code>{' '}
        skips the question).
      </Text>
    </Alert>
  );
}
