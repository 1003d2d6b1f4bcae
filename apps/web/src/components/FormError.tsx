import { Alert, Button, Group, Text } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { errorMessage, isApiError } from '../api/client';

/** An API error shown next to the form or button that caused it. */
export function FormError({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertCircle size={18} />}
      title={title}
      data-testid="form-error"
      role="alert"
      py="xs"
    >
      {errorMessage(error)}
    </Alert>
  );
}

/** A query that failed to load: what failed, the server's reason, and a way to try again. */
export function LoadError({ error, what, onRetry }: { error: unknown; what: string; onRetry?: () => void }) {
  // Asking again will not change a refusal, so no retry for those.
  const refused = isApiError(error, 'forbidden');
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertCircle size={18} />}
      title={refused ? `The server refused to show ${what}` : `Could not load ${what}`}
      data-testid="load-error"
    >
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry && !refused && (
          <Button size="xs" variant="default" onClick={onRetry}>
            Retry
          </Button>
        )}
      </Group>
    </Alert>
  );
}
