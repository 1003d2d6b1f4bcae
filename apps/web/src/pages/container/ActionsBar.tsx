import { useState, type ReactNode } from 'react';
import { Button, Group, Stack } from '@mantine/core';
import { IconPlayerPause, IconPlayerPlay, IconPlayerStop, IconRefresh, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import {
  fleetApi,
  type ContainerDetail,
  type ContainerState,
  type OperatorVerb,
} from '@airlock/contract/fleet';
import type { Host } from '@airlock/contract/hosts';
import { applyActionResult, runContainerAction } from '../../api/containers';
import { useCurrentUser } from '../../api/CurrentUser';
import { can } from '@airlock/contract/endpoint';
import { FormError } from '../../components/FormError';
import { RemoveModal } from './RemoveModal';

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

/** Lifecycle buttons for operators (remove for admins); none on push hosts or a removed container. */
export function ActionsBar({ c, host, gone }: { c: ContainerDetail; host: Host | undefined; gone: boolean }) {
  const me = useCurrentUser();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [removing, setRemoving] = useState(false);
  const action = useMutation({
    mutationFn: (verb: OperatorVerb) => runContainerAction(c.hostId, c.id, verb),
    onSuccess: (res) => applyActionResult(qc, c.hostId, res),
  });
  if (host?.kind === 'agent') return null;
  if (!can(me, fleetApi.action)) return null;
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
        {can(me, fleetApi.remove) && (
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
