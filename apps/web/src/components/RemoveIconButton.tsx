import type { MouseEvent } from 'react';
import { ActionIcon, Tooltip } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';

/**
 * The red trash icon at the end of a table row or a list item, with its tooltip. `label` is both
 * the tooltip and the accessible name (say what goes: "Remove session s-…"), since the icon alone
 * says nothing to a screen reader.
 */
export function RemoveIconButton({
  label,
  tooltip = label,
  onClick,
  testId,
}: {
  label: string;
  tooltip?: string;
  onClick: (e: MouseEvent<HTMLButtonElement>) => void;
  testId: string;
}) {
  return (
    <Tooltip label={tooltip} withArrow>
      <ActionIcon variant="subtle" color="red" aria-label={label} onClick={onClick} data-testid={testId}>
        <IconTrash size={16} />
      </ActionIcon>
    </Tooltip>
  );
}
