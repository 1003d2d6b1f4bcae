import { Alert } from '@mantine/core';
import { IconEyeOff } from '@tabler/icons-react';

/** What a read-only push host cannot offer (logs, shell): it only sends reports. */
export function ReadOnlyNote({ what }: { what: string }) {
  return (
    <Alert color="gray" variant="light" icon={<IconEyeOff size={18} />} data-testid="readonly-push-host">
      This is a read-only push host: it only sends reports, so Airlock has no {what} for its containers.
    </Alert>
  );
}
