import { EmptyState, Paper } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { parseGuard } from '@airlock/contract/auth';
import type { AnyEndpoint } from '@airlock/contract/endpoint';
import { useCurrentUser } from '../api/CurrentUser';

/** Said before the server's own refusal, so a missing role reads as a fact, not a failure. */
export function RoleRequired({
  title,
  endpoint,
  testId,
}: {
  title: string;
  /** The endpoint the page needs; its guard names the role. */
  endpoint: Pick<AnyEndpoint, 'guard'>;
  testId?: string;
}) {
  const me = useCurrentUser();
  const role = parseGuard(endpoint.guard).role ?? 'viewer';
  return (
    <Paper withBorder radius="md" p="lg" data-testid={testId}>
      <EmptyState
        icon={<IconLock size={28} stroke={1.5} />}
        withIndicatorBackground
        title={title}
        description={`You are signed in as ${me.user.username} with the ${me.user.role} role; this needs ${role}. Ask an admin if you need access.`}
      />
    </Paper>
  );
}
