import { useState, type FormEvent } from 'react';
import {
  Input,
  Modal,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CreateCredentialBody, type CredentialList } from '@airlock/contract/credentials';
import { createCredential, credentialsQuery } from '../../api/credentials';
import { useFormErrors } from '../../lib/use-form-errors';
import { FormFooter } from '../FormFooter';
import { MONO_INPUT } from '../hosts/HostFormFields';

const FIELDS = ['name', 'value', 'inject', 'hosts', 'env'] as const;
type InjectType = 'bearer' | 'basic' | 'header';

const INJECT_HELP: Record<InjectType, string> = {
  bearer: 'Sent as “Authorization: Bearer <value>”.',
  basic: 'Sent as “Authorization: Basic <base64 of value>”; the value is “user:password”.',
  header: 'Sent as the value of the header you name (e.g. x-api-key).',
};

export function AddCredentialModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [type, setType] = useState<InjectType>('bearer');
  const [header, setHeader] = useState('');
  const [hosts, setHosts] = useState('');
  const [env, setEnv] = useState('');

  const close = () => {
    // The value is dropped from memory as soon as the form closes, saved or not.
    setName('');
    setValue('');
    setType('bearer');
    setHeader('');
    setHosts('');
    setEnv('');
    form.clear();
    m.reset();
    onClose();
  };

  const m = useMutation({
    mutationFn: createCredential,
    onSuccess: (created) => {
      qc.setQueryData<CredentialList>(credentialsQuery.queryKey, (old) =>
        old ? { items: [...old.items.filter((c) => c.id !== created.id), created] } : old,
      );
      void qc.invalidateQueries({ queryKey: credentialsQuery.queryKey });
      close();
    },
  });
  const form = useFormErrors(FIELDS, m.error);
  const { errors } = form;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = form.check(CreateCredentialBody, {
      name: name.trim(),
      value,
      inject: type === 'header' ? { type, header: header.trim() } : { type },
      hosts: hosts.split(/[\s,]+/).filter(Boolean),
      ...(env.trim() ? { env: env.trim() } : {}),
    });
    if (body) m.mutate(body);
  };

  return (
    <Modal opened={opened} onClose={close} title={<Text fw={600}>Add credential</Text>} size="lg" centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            The gateway adds it to requests toward its hosts, after every check. The sandbox never sees the
            value, and it is refused toward any other host in any encoding.
          </Text>
          <TextInput
            label="Name"
            description="Profile routes name it, e.g. “anthropic” or “github-ci”"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            autoComplete="off"
            spellCheck={false}
            data-autofocus
            data-testid="credential-name"
          />
          <PasswordInput
            label="Value"
            description="Write-only: stored sealed in the vault, shown masked from now on."
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            error={errors.value}
            autoComplete="new-password"
            spellCheck={false}
            data-testid="credential-value"
          />
          <Input.Wrapper
            label="Injected as"
            description={INJECT_HELP[type]}
            error={type === 'header' ? undefined : errors.inject}
          >
            <SegmentedControl
              fullWidth
              mt={4}
              data={[
                { value: 'bearer', label: 'Bearer token' },
                { value: 'basic', label: 'Basic auth' },
                { value: 'header', label: 'Named header' },
              ]}
              value={type}
              onChange={(v) => setType(v === 'basic' ? 'basic' : v === 'header' ? 'header' : 'bearer')}
              data-testid="credential-inject"
            />
          </Input.Wrapper>
          {type === 'header' && (
            <TextInput
              label="Header"
              placeholder="x-api-key"
              value={header}
              onChange={(e) => setHeader(e.currentTarget.value)}
              error={errors.inject}
              autoComplete="off"
              spellCheck={false}
              styles={MONO_INPUT}
              data-testid="credential-header"
            />
          )}
          <Textarea
            label="Hosts"
            description="Where it may be sent: one per line (or comma separated); “*.example.com” for subdomains"
            placeholder="api.anthropic.com"
            value={hosts}
            onChange={(e) => setHosts(e.currentTarget.value)}
            error={errors.hosts}
            autosize
            minRows={2}
            maxRows={6}
            spellCheck={false}
            styles={MONO_INPUT}
            data-testid="credential-hosts"
          />
          <TextInput
            label="Env var in the sandbox (optional)"
            description="Set to the placeholder “airlock-managed” so CLIs that expect a key start, e.g. ANTHROPIC_API_KEY"
            value={env}
            onChange={(e) => setEnv(e.currentTarget.value)}
            error={errors.env}
            autoComplete="off"
            spellCheck={false}
            styles={MONO_INPUT}
            data-testid="credential-env"
          />
          <FormFooter
            error={form.alert}
            pending={m.isPending}
            onCancel={close}
            label="Add credential"
            testId="credential-submit"
            mt={4}
          />
        </Stack>
      </form>
    </Modal>
  );
}
