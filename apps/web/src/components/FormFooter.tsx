import type { ReactNode } from 'react';
import { Button, Group } from '@mantine/core';
import { FormError } from './FormError';

/**
 * The end of every form and confirmation modal: the server's error that fits no field, then Cancel
 * and the confirming button. The button submits the surrounding form unless `onConfirm` is given.
 */
export function FormFooter({
  error,
  pending,
  onCancel,
  label,
  testId,
  onConfirm,
  color,
  disabled,
  mt,
}: {
  error: unknown;
  pending: boolean;
  onCancel: () => void;
  label: ReactNode;
  testId: string;
  onConfirm?: () => void;
  /** `red` for what cannot be undone. */
  color?: string;
  disabled?: boolean;
  mt?: number;
}) {
  return (
    <>
      <FormError error={error} />
      <Group justify="flex-end" gap="xs" mt={mt}>
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
        <Button
          type={onConfirm ? 'button' : 'submit'}
          onClick={onConfirm}
          color={color}
          disabled={disabled}
          loading={pending}
          data-testid={testId}
        >
          {label}
        </Button>
      </Group>
    </>
  );
}
