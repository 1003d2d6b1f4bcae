import { useState, type ChangeEvent, type FormEvent } from 'react';
import { Button, Group, PasswordInput, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { ChangePasswordBody } from '@airlock/contract/auth';
import { changePassword } from '../api/auth';
import { splitError, zodFieldErrors, type FieldErrors } from '../lib/form-errors';
import { FormError } from './FormError';

const FIELDS = ['currentPassword', 'newPassword', 'confirm'] as const;
type Field = (typeof FIELDS)[number];

/**
 * Current password, new one twice. Used from the account menu and on the page shown when an admin
 * requires a new password; the server checks the current one and ends the user's other sessions.
 */
export function ChangePasswordForm({
  onDone,
  onCancel,
  submitLabel = 'Change password',
}: {
  onDone: () => void;
  onCancel?: () => void;
  submitLabel?: string;
}) {
  const [values, setValues] = useState<Record<Field, string>>({
    currentPassword: '',
    newPassword: '',
    confirm: '',
  });
  const [local, setLocal] = useState<FieldErrors<Field>>({});
  const m = useMutation({ mutationFn: changePassword, onSuccess: onDone });
  // Read the value now: the updater runs later, when the event's currentTarget is already null.
  const set = (f: Field) => (e: ChangeEvent<HTMLInputElement>) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [f]: value }));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = ChangePasswordBody.safeParse(values);
    const errors: FieldErrors<Field> = parsed.success ? {} : zodFieldErrors(parsed.error, FIELDS);
    if (values.confirm !== values.newPassword) errors.confirm = 'does not match the new password';
    setLocal(errors);
    if (!parsed.success || errors.confirm) return;
    m.mutate(parsed.data);
  };

  const server = splitError(m.error, FIELDS);
  const errors = { ...server.fields, ...local };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <PasswordInput
          label="Current password"
          value={values.currentPassword}
          onChange={set('currentPassword')}
          error={errors.currentPassword}
          autoComplete="current-password"
          autoFocus
          data-testid="password-current"
        />
        <PasswordInput
          label="New password"
          description="At least 12 characters."
          value={values.newPassword}
          onChange={set('newPassword')}
          error={errors.newPassword}
          autoComplete="new-password"
          data-testid="password-new"
        />
        <PasswordInput
          label="New password, again"
          value={values.confirm}
          onChange={set('confirm')}
          error={errors.confirm}
          autoComplete="new-password"
          data-testid="password-confirm"
        />
        <FormError error={server.alert} />
        <Group justify="flex-end" gap="sm" mt={4}>
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={m.isPending} data-testid="password-submit">
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
