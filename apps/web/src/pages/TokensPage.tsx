import { useState, type FormEvent } from 'react';
import {
  Alert,
  Badge,
  Button,
  Code,
  EmptyState,
  Group,
  Modal,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconAlertTriangle, IconKey, IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CreateTokenBody, type ApiToken, type CreatedToken, type TokenList } from '@airlock/contract/tokens';
import { createToken, revokeToken, tokensQuery } from '../api/tokens';
import { LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { CopyBlock } from '../components/CopyBlock';
import { RoleBadge } from '../components/RoleBadge';
import { SkeletonRows } from '../components/SkeletonRows';
import { Timestamp } from '../components/Timestamp';
import { splitError, zodFieldErrors, type FieldErrors } from '../lib/form-errors';
import { useNow } from '../lib/use-now';
import { FormFooter } from '../components/FormFooter';
import { RemoveIconButton } from '../components/RemoveIconButton';

const COLUMNS = 7;
const EXPIRY_OPTIONS = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

function NewTokenModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (created: CreatedToken) => void;
}) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('90');
  const [local, setLocal] = useState<FieldErrors<'name' | 'expiresInDays'>>({});
  const fields = ['name', 'expiresInDays'] as const;

  const close = () => {
    setName('');
    setExpires('90');
    setLocal({});
    m.reset();
    onClose();
  };

  const m = useMutation({
    mutationFn: createToken,
    onSuccess: (created) => {
      qc.setQueryData<TokenList>(tokensQuery.queryKey, (old) =>
        old ? { items: [...old.items, created.token] } : old,
      );
      void qc.invalidateQueries({ queryKey: tokensQuery.queryKey });
      close();
      onCreated(created);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = CreateTokenBody.safeParse({
      name,
      ...(expires === 'never' ? {} : { expiresInDays: Number(expires) }),
    });
    if (!parsed.success) {
      setLocal(zodFieldErrors(parsed.error, fields));
      return;
    }
    setLocal({});
    m.mutate(parsed.data);
  };

  const server = splitError(m.error, fields);
  const errors = { ...server.fields, ...local };

  return (
    <Modal opened={opened} onClose={close} title={<Text fw={600}>New API token</Text>} centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Name"
            description="What will use it, e.g. “laptop CLI” or “backup script”."
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            autoComplete="off"
            data-autofocus
            data-testid="token-name"
          />
          <NativeSelect
            label="Expires after"
            data={EXPIRY_OPTIONS}
            value={expires}
            onChange={(e) => setExpires(e.currentTarget.value)}
            error={errors.expiresInDays}
            data-testid="token-expires"
          />
          <Text size="xs" c="dimmed">
            The token acts as you, with your role. You can revoke it at any time.
          </Text>
          <FormFooter
            error={server.alert}
            pending={m.isPending}
            onCancel={close}
            label="Create token"
            testId="token-submit"
            mt={4}
          />
        </Stack>
      </form>
    </Modal>
  );
}

/** The one moment the secret exists in the UI; closing drops it from memory for good. */
function SecretModal({ created, onClose }: { created: CreatedToken | null; onClose: () => void }) {
  const cli = created ? `airlock login --url ${window.location.origin} --token ${created.secret}` : '';
  return (
    <Modal
      opened={created !== null}
      onClose={onClose}
      title={<Text fw={600}>Token “{created?.token.name}” created</Text>}
      closeOnClickOutside={false}
      closeOnEscape={false}
      withCloseButton={false}
      size="lg"
      centered
    >
      {created && (
        <Stack gap="md">
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} py="xs">
            Copy the token now. It will not be shown again; if you lose it, revoke it and create a new one.
          </Alert>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Token
            </Text>
            <CopyBlock value={created.secret} label="token" testId="token-secret" />
          </Stack>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Sign in the CLI
            </Text>
            <CopyBlock value={cli} label="command" testId="token-cli" />
            <Text size="xs" c="dimmed">
              Other local users can see command-line arguments; on a shared machine pipe the token into{' '}
              <Code fz="xs" style={{ whiteSpace: 'nowrap' }}>
                --token-stdin
              </Code>{' '}
              instead.
            </Text>
          </Stack>
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="token-close">
              I have copied it
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

function RevokeModal({ token, onClose }: { token: ApiToken | null; onClose: () => void }) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: revokeToken,
    onSuccess: (_ok, id) => {
      qc.setQueryData<TokenList>(tokensQuery.queryKey, (old) =>
        old ? { items: old.items.filter((t) => t.id !== id) } : old,
      );
      void qc.invalidateQueries({ queryKey: tokensQuery.queryKey });
      close();
    },
  });
  const close = () => {
    m.reset();
    onClose();
  };
  return (
    <Modal opened={token !== null} onClose={close} title={<Text fw={600}>Revoke token</Text>} centered>
      <Stack gap="sm">
        <Text size="sm">
          Revoke <b>{token?.name}</b> (<Code>{token?.prefix}…</Code>)? Anything using it stops working
          immediately. This cannot be undone.
        </Text>
        <FormFooter
          error={m.error}
          pending={m.isPending}
          onCancel={close}
          onConfirm={() => token && m.mutate(token.id)}
          color="red"
          label="Revoke"
          testId="token-revoke-confirm"
        />
      </Stack>
    </Modal>
  );
}

function Expiry({ value, now }: { value: string | null; now: number }) {
  if (value && Date.parse(value) <= now) {
    return (
      <Badge color="red" variant="light" size="sm" radius="sm" tt="none">
        Expired
      </Badge>
    );
  }
  return <Timestamp value={value} />;
}

export function TokensPage() {
  const tokens = useQuery(tokensQuery);
  const now = useNow(30_000);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const newButton = (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="token-new">
      New token
    </Button>
  );

  return (
    <Stack gap="md">
      <PageHeader
        title="API tokens"
        description="Tokens let the airlock CLI and scripts act as you, with your role. Treat them like passwords. Creating one needs an unlock."
        actions={newButton}
      />

      {tokens.isError ? (
        <LoadError error={tokens.error} what="your API tokens" onRetry={() => void tokens.refetch()} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={760}>
            <Table
              verticalSpacing={8}
              horizontalSpacing="md"
              highlightOnHover
              fz="sm"
              data-testid="tokens-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Token</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {tokens.isPending ? (
                  <SkeletonRows columns={COLUMNS} rows={3} />
                ) : (
                  tokens.data.items.map((t) => (
                    <Table.Tr key={t.id} data-testid="token-row" data-name={t.name}>
                      <Table.Td>
                        <Text size="sm" fw={500}>
                          {t.name}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Code fz="xs">{t.prefix}…</Code>
                      </Table.Td>
                      <Table.Td>
                        <RoleBadge role={t.role} />
                      </Table.Td>
                      <Table.Td>
                        <Timestamp value={t.createdAt} />
                      </Table.Td>
                      <Table.Td>
                        <Timestamp value={t.lastUsedAt} />
                      </Table.Td>
                      <Table.Td>
                        <Expiry value={t.expiresAt} now={now} />
                      </Table.Td>
                      <Table.Td>
                        <RemoveIconButton
                          label={`Revoke ${t.name}`}
                          tooltip="Revoke"
                          onClick={() => setRevoking(t)}
                          testId="token-revoke"
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {tokens.data?.items.length === 0 && (
            <EmptyState
              py="xl"
              icon={<IconKey size={28} stroke={1.5} />}
              withIndicatorBackground
              title="No API tokens yet"
              description="Create one to sign in the airlock CLI or to call the API from a script."
            />
          )}
        </Paper>
      )}

      <NewTokenModal opened={creating} onClose={() => setCreating(false)} onCreated={setCreated} />
      <SecretModal created={created} onClose={() => setCreated(null)} />
      <RevokeModal token={revoking} onClose={() => setRevoking(null)} />
    </Stack>
  );
}
