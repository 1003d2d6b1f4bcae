import { useEffect, useState } from 'react';
import { Alert, Text } from '@mantine/core';
import { IconShieldX } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { healthQuery } from '../api/system';
import { BANNER_HIDDEN, healthPollMs, nextBanner } from '../lib/gateway-banner';
import { Timestamp } from './Timestamp';

/**
 * Says, on every page, that the egress gateway is out. The live stream does not carry gateway
 * health, so `/api/health` is polled (quickly while the gateway is out, so its return shows within
 * a second); which answers raise or drop the banner is decided in lib/gateway-banner.ts.
 */
export function GatewayBanner() {
  const health = useQuery({
    ...healthQuery,
    refetchInterval: (q) => healthPollMs(q.state.data?.gateway),
    // An outage that starts while the tab is in the background is there when it comes back.
    refetchOnWindowFocus: 'always',
  });
  const gateway = health.data?.gateway;
  const [banner, setBanner] = useState(BANNER_HIDDEN);
  // Every answer counts, also one identical to the last (a `starting` that outlasts the grace).
  const { dataUpdatedAt } = health;
  useEffect(() => {
    setBanner((prev) => nextBanner(prev, gateway, Date.now()));
  }, [gateway, dataUpdatedAt]);

  if (!banner.shown || !gateway) return null;
  return (
    <Alert
      color="red"
      variant="filled"
      radius="md"
      mb="md"
      icon={<IconShieldX size={20} />}
      title="Egress gateway down: no traffic leaves any sandbox until it is back. Restarting…"
      data-testid="gateway-banner"
      data-state={gateway.state}
    >
      <Text size="sm" data-testid="gateway-banner-reason">
        {gateway.state === 'starting' ? 'Starting again' : 'Not running'}
        {gateway.reason ? ` (last: ${gateway.reason})` : ''}; seen down since{' '}
        {/* The outage as this page saw it begin: the server's `since` moves with every restart try. */}
        <Timestamp
          value={new Date(banner.notUpSince ?? Date.now()).toISOString()}
          span
          size="sm"
          c="inherit"
        />
        . Sealed sessions keep running but cannot reach anything, and new sessions cannot start. Airlock
        restarts it with backoff and re-sends every session's policy when it is back.
      </Text>
    </Alert>
  );
}
