import { Button, EmptyState, Paper } from '@mantine/core';
import { IconMapOff } from '@tabler/icons-react';
import { Link } from 'react-router-dom';

export function NotFoundPage() {
  return (
    <Paper withBorder radius="md" p="xl" mt="xl">
      <EmptyState
        icon={<IconMapOff size={28} stroke={1.5} />}
        withIndicatorBackground
        title="Page not found"
        description="This address does not exist in Airlock."
      >
        <EmptyState.Actions>
          <Button component={Link} to="/" variant="default" size="xs">
            Go home
          </Button>
        </EmptyState.Actions>
      </EmptyState>
    </Paper>
  );
}
