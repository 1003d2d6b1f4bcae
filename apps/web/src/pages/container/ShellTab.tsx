import { EmptyState, Text } from '@mantine/core';
import { fleetApi, type ContainerDetail } from '@airlock/contract/fleet';
import { useCurrentUser } from '../../api/CurrentUser';
import { can } from '@airlock/contract/endpoint';
import { ShellPanel } from '../../components/ShellPanel';
import { ReadOnlyNote } from './ReadOnlyNote';

/** The shell, or why there is none (push host, removed container, role). */
export function ShellTab({ c, push, gone }: { c: ContainerDetail; push: boolean; gone: boolean }) {
  const me = useCurrentUser();
  if (push) return <ReadOnlyNote what="shell" />;
  if (gone)
    return (
      <Text size="sm" c="dimmed" data-testid="shell-gone">
        The container was removed; there is no shell to open.
      </Text>
    );
  if (!can(me, fleetApi.exec))
    return (
      <EmptyState
        title="A shell needs the operator role"
        description={`You are signed in as ${me.user.username} with the ${me.user.role} role.`}
        data-testid="shell-forbidden"
      />
    );
  return <ShellPanel hostId={c.hostId} containerId={c.id} />;
}
