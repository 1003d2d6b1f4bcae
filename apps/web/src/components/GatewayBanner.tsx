import { useEffect, useState } from 'react';
import { Alert, Text } from '@mantine/core';
import { IconShieldX } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { healthQuery } from '../api/system';
import { BANNER_HIDDEN, graceLeftMs, nextBanner } from '../lib/gateway-banner';
import { Timestamp } from './Timestamp';

/**
 * Says, on every page, that the egress gateway is out. Health is read once (`/api/health`) and then
 * kept current by `gateway.health` stream events (StreamProvider writes them into the same query),
 * so an idle page costs nothing beyond the live stream; which answers raise or drop the banner is
 * decided in lib/gateway-banner.ts.
 */
export function GatewayBanner() {
  const health = useQuery(healthQuery);
  const gateway = health.data?.gateway;
  const [banner, setBanner] = useState(BANNER_HIDDEN);
  const { dataUpdatedAt } = health;
  useEffect(() => {
    setBanner((prev) => nextBanner(prev, gateway, Date.now()));
  }, [gateway, dataUpdatedAt]);
  // A `starting` that outlasts its grace is an outage even if no further event comes.
  useEffect(() => {
    const left = graceLeftMs(banner, gateway, Date.now());
    if (left === null) return;
    const t = setTimeout(() => setBanner((prev) => nextBanner(prev, gateway, Date.now())), left + 50);
    return () => clearTimeout(t);
  }, [banner, gateway]);

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
