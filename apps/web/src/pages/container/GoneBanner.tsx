import { Alert, Anchor } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { Link } from 'react-router-dom';

/** Said over a container the engine no longer has, whose last known state the page still shows. */
export function GoneBanner({ hostLabel }: { hostLabel: string }) {
  return (
    <Alert
      color="orange"
      variant="light"
      icon={<IconTrash size={18} />}
      title="This container no longer exists"
      data-testid="container-gone"
    >
      It was removed from {hostLabel} (outside Airlock or by someone else). What this page shows is its last
      known state; there is nothing left to act on.{' '}
      <Anchor component={Link} to="/fleet" size="sm">
        Back to the Fleet
      </Anchor>
    </Alert>
  );
}
