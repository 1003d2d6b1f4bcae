import { Badge, Tooltip } from '@mantine/core';
import { IconLockOpen } from '@tabler/icons-react';
import { useCurrentUser } from '../api/CurrentUser';
import { formatTime, minutesUntil } from '../lib/format';
import { useNow } from '../lib/use-now';

/** Visible only while dangerous actions are unlocked, so the window never goes unnoticed. */
export function UnlockBadge() {
  const { unlockedUntil } = useCurrentUser();
  useNow(10_000);
  // Read the clock at render too: the ticker's value can be up to 10 s old right after unlocking.
  const now = Date.now();
  if (!unlockedUntil || Date.parse(unlockedUntil) <= now) return null;
  return (
    <Tooltip label={`Dangerous actions are unlocked until ${formatTime(unlockedUntil)}.`} withArrow>
      <Badge
        color="orange"
        variant="light"
        size="md"
        radius="sm"
        tt="none"
        leftSection={<IconLockOpen size={13} />}
        data-testid="unlock-badge"
      >
        Unlocked · {minutesUntil(unlockedUntil, now)} min
      </Badge>
    </Tooltip>
  );
}
