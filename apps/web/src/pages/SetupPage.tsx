import { useState, type FormEvent } from 'react';
import { Anchor, Button, Code, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { SetupBody } from '@airlock/contract/auth';
import { setup, setupStatusQuery, signedIn } from '../api/auth';
import { isApiError } from '../api/client';
import { AuthLayout } from '../components/AuthLayout';
import { FormError } from '../components/FormError';
import { splitError, zodFieldErrors, type FieldErrors } from '../lib/form-errors';

const FIELDS = ['token', 'username', 'password', 'confirm'] as const;
type Field = (typeof FIELDS)[number];

export function SetupPage() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  // The server prints a `/setup?token=…` link, so following it fills the token in.
  const [token, setToken] = useState(() => params.get('token') ?? '');
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [local, setLocal] = useState<FieldErrors<Field>>({});

  const m = useMutation({
    mutationFn: setup,
    onSuccess: (me) => {
      qc.setQueryData(setupStatusQuery.queryKey, { needsSetup: false });
      signedIn(qc, me);
      // Replace, so the token is not left in the address bar or history.
      void navigate('/', { replace: true });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = SetupBody.safeParse({ token: token.trim(), username: username.trim(), password });
    const errors: FieldErrors<Field> = parsed.success ? {} : zodFieldErrors(parsed.error, FIELDS);
    if (password !== confirm) errors.confirm = 'Passwords do not match';
    setLocal(errors);
    if (!parsed.success || errors.confirm) return;
    m.mutate(parsed.data);
  };

  const server = splitError(m.error, FIELDS);
  const errors = { ...server.fields, ...local };
  const closed = isApiError(m.error, 'setup_closed');

  return (
    <AuthLayout
      title="Set up Airlock"
      subtitle="Create the first administrator account. This page works once."
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Setup token"
            description={
              <>
                Printed in the server console, and stored in <Code fz="xs">$AIRLOCK_HOME/setup-token</Code>.
              </>
            }
            value={token}
            onChange={(e) => setToken(e.currentTarget.value)}
            error={errors.token}
            autoComplete="off"
            spellCheck={false}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            autoFocus={!token}
            data-testid="setup-token"
          />
          <TextInput
            label="Admin username"
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
            error={errors.username}
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            data-testid="setup-username"
          />
          <PasswordInput
            label="Password"
            description="At least 12 characters. A passphrase works well."
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
            autoComplete="new-password"
            autoFocus={!!token}
            data-testid="setup-password"
          />
          <PasswordInput
            label="Confirm password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={errors.confirm}
            autoComplete="new-password"
            data-testid="setup-confirm"
          />
          <FormError error={server.alert} title={closed ? 'Already set up' : undefined} />
          {closed && (
            <Text size="sm">
              <Anchor
                component="button"
                type="button"
                onClick={() => {
                  qc.setQueryData(setupStatusQuery.queryKey, { needsSetup: false });
                  void navigate('/login', { replace: true });
                }}
              >
                Go to sign in
              </Anchor>
            </Text>
          )}
          <Button type="submit" loading={m.isPending} fullWidth mt={4} data-testid="setup-submit">
            Create admin and sign in
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
