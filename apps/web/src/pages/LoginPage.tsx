import { useState, type FormEvent } from 'react';
import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LoginBody } from '@airlock/contract/auth';
import { login, signedIn, wasSessionLost } from '../api/auth';
import { isApiError } from '../api/client';
import { AuthLayout } from '../components/AuthLayout';
import { FormError } from '../components/FormError';
import { splitError, zodFieldErrors, type FieldErrors } from '../lib/form-errors';

const FIELDS = ['username', 'password'] as const;
type Field = (typeof FIELDS)[number];

export function LoginPage() {
  const qc = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [local, setLocal] = useState<FieldErrors<Field>>({});

  const m = useMutation({
    mutationFn: login,
    // The app's router sends a freshly signed-in user on to `?next=`; see App.tsx.
    onSuccess: (me) => signedIn(qc, me),
    onError: (err) => {
      if (isApiError(err, 'unauthenticated')) setPassword('');
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = LoginBody.safeParse({ username: username.trim(), password });
    if (!parsed.success) {
      setLocal(zodFieldErrors(parsed.error, FIELDS));
      return;
    }
    setLocal({});
    m.mutate(parsed.data);
  };

  const server = splitError(m.error, FIELDS);
  const errors = { ...server.fields, ...local };

  return (
    <AuthLayout title="Sign in" subtitle="Use the account an admin created for you.">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {wasSessionLost() && !m.error && (
            <Alert
              color="blue"
              variant="light"
              icon={<IconInfoCircle size={18} />}
              py="xs"
              data-testid="session-ended"
            >
              Your session ended. Sign in again to continue.
            </Alert>
          )}
          <TextInput
            label="Username"
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
            error={errors.username}
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            data-testid="login-username"
          />
          <PasswordInput
            label="Password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
            autoComplete="current-password"
            data-testid="login-password"
          />
          <FormError
            error={server.alert}
            title={isApiError(server.alert, 'rate_limited') ? 'Too many attempts' : undefined}
          />
          <Button type="submit" loading={m.isPending} fullWidth mt={4} data-testid="login-submit">
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
