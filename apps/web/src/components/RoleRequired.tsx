import { EmptyState, Paper } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import type { Role } from '@airlock/contract/auth';
import { useCurrentUser } from '../api/CurrentUser';

/** Said before the server's own refusal, so a missing role reads as a fact, not a failure. */
export function RoleRequired({ title, role, testId }: { title: string; role: Role; testId?: string }) {
  const me = useCurrentUser();
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
