import { Anchor, Group, Paper, Skeleton, Stack, Tabs } from '@mantine/core';
import { IconArrowLeft } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { isApiError } from '../../api/client';
import { useCurrentUser } from '../../api/CurrentUser';
import { can } from '@airlock/contract/endpoint';
import { fleetApi } from '@airlock/contract/fleet';
import { containerQuery } from '../../api/containers';
import { hostsQuery } from '../../api/hosts';
import { LoadError } from '../../components/FormError';
import { LogsPanel } from '../../components/LogsPanel';
import { ContainerHeader } from './ContainerHeader';
import { EnvTab } from './EnvTab';
import { GoneBanner } from './GoneBanner';
import { LabelsTab } from './LabelsTab';
import { MountsTab } from './MountsTab';
import { NetworksTab } from './NetworksTab';
import { OverviewTab } from './OverviewTab';
import { PortsTab } from './PortsTab';
import { ReadOnlyNote } from './ReadOnlyNote';
import { ShellTab } from './ShellTab';
import { StateTab } from './StateTab';
import { StatsTab } from './StatsTab';
import { TABS, isTab, type Tab } from './tabs';

/** One container: the header with its actions, and the tabs (the open one is in the URL). */
export function ContainerPage() {
  const { hostId = '', id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab: Tab = isTab(params.get('tab')) ? (params.get('tab') as Tab) : 'overview';
  const me = useCurrentUser();
  const detail = useQuery(containerQuery(hostId, id));
  const hosts = useQuery(hostsQuery);
  const host = hosts.data?.items.find((h) => h.id === hostId);
  const push = host?.kind === 'agent';

  const back = (
    <Anchor component={Link} to="/fleet" size="sm" data-testid="back-to-fleet">
      <Group gap={4}>
        <IconArrowLeft size={14} /> Fleet
      </Group>
    </Anchor>
  );
  if (detail.isError && !detail.data) {
    return (
      <Stack gap="md">
        {back}
        <LoadError error={detail.error} what="this container" onRetry={() => void detail.refetch()} />
      </Stack>
    );
  }
  const c = detail.data;
  // The engine no longer has it (the live stream said so and the re-read answered 404): keep what
  // was last known on screen, but say plainly that it is gone and offer nothing to do with it.
  const gone = c !== undefined && isApiError(detail.error) && detail.error.status === 404;

  return (
    <Stack gap="md">
      {back}
      <ContainerHeader c={c} hostId={hostId} host={host} gone={gone} />
      {gone && <GoneBanner hostLabel={host?.label ?? hostId} />}

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
                <OverviewTab c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="state">
                <StateTab c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="stats">
                <StatsTab hostId={c.hostId} id={c.id} gone={gone} />
              </Tabs.Panel>
              <Tabs.Panel value="ports">
                <PortsTab c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="networks">
                <NetworksTab c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="mounts">
                <MountsTab c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="env">
                <EnvTab c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="labels">
                <LabelsTab c={c} />
              </Tabs.Panel>
              <Tabs.Panel value="logs">
                {push ? <ReadOnlyNote what="logs" /> : <LogsPanel hostId={c.hostId} containerId={c.id} />}
              </Tabs.Panel>
              {/* A shell is kept while the page is open: switching tabs must not end it. What
                  stands in for one (push host, removed, no role) comes and goes like any tab. */}
              <Tabs.Panel value="shell" keepMounted={!push && !gone && can(me, fleetApi.exec)}>
                <ShellTab c={c} push={push} gone={gone} />
              </Tabs.Panel>
            </>
          )}
        </Paper>
      </Tabs>
    </Stack>
  );
}
