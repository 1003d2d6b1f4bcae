import { Badge, Tooltip } from '@mantine/core';
import { IconEyeOff } from '@tabler/icons-react';
import { UNSCANNED_HELP } from '../../lib/profiles';

/**
 * Marks traffic the gateway relays without reading it. Focusable, so the explanation reaches
 * keyboard users too, and it is also the badge's accessible description.
 */
export function UnscannedBadge({ count, testId = 'unscanned-badge' }: { count?: number; testId?: string }) {
  const label = count !== undefined && count > 1 ? `Unscanned ×${count}` : 'Unscanned';
  return (
    <Tooltip
      label={UNSCANNED_HELP}
      withArrow
      multiline
      w={300}
      events={{ hover: true, focus: true, touch: true }}
    >
      <Badge
        color="orange"
        variant="light"
        size="sm"
        radius="sm"
        tt="none"
        leftSection={<IconEyeOff size={12} />}
        tabIndex={0}
        aria-label={`${label}: ${UNSCANNED_HELP}`}
        data-testid={testId}
        style={{ flexShrink: 0, cursor: 'help' }}
      >
        {label}
      </Badge>
    </Tooltip>
  );
}
