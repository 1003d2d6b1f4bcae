import { useState, type FormEvent } from 'react';
import { Fieldset, Modal, SegmentedControl, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CREATE_HOST_FIELDS, CreateHostBody, type CreatedHost, type HostKind } from '@airlock/contract/hosts';
import { containersKey } from '../../api/containers';
import { createHost, hostsQuery, upsertCachedHost } from '../../api/hosts';
import { useFormErrors } from '../../lib/use-form-errors';
import {
  asNumber,
  EMPTY_SSH,
  IntervalField,
  ProtectedField,
  SocketField,
  SshFields,
  sshPart,
  type SshForm,
} from './HostFormFields';
import { FormFooter } from '../FormFooter';

// The contract lists the fields (derived from its schemas), so the form shows every error the server names.
const CREATE_FIELDS = CREATE_HOST_FIELDS;

const DEFAULT_SOCKET = '/var/run/docker.sock';

export function AddHostModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (created: CreatedHost) => void;
}) {
  const qc = useQueryClient();
  const [kind, setKind] = useState<HostKind>('local');
  const [label, setLabel] = useState('');
  const [isProtected, setProtected] = useState(false);
  const [socketPath, setSocketPath] = useState(DEFAULT_SOCKET);
  const [ssh, setSsh] = useState<SshForm>(EMPTY_SSH);
  const [useJump, setUseJump] = useState(false);
  const [jump, setJump] = useState<SshForm>(EMPTY_SSH);
  const [interval, setInterval] = useState<number | string>(30);

  const close = () => {
    setKind('local');
    setLabel('');
    setProtected(false);
    setSocketPath(DEFAULT_SOCKET);
    setSsh(EMPTY_SSH);
    setUseJump(false);
    setJump(EMPTY_SSH);
    setInterval(30);
    form.clear();
    m.reset();
    onClose();
  };

  const m = useMutation({
    mutationFn: createHost,
    onSuccess: (created) => {
      upsertCachedHost(qc, created.host);
      void qc.invalidateQueries({ queryKey: hostsQuery.queryKey });
      void qc.invalidateQueries({ queryKey: containersKey });
      close();
      onCreated(created);
    },
  });
  const form = useFormErrors(CREATE_FIELDS, m.error);
  const { errors } = form;

  const body = () => {
    const common = { label: label.trim(), protected: isProtected };
    switch (kind) {
      case 'local':
        return { kind, ...common, socketPath: socketPath.trim() };
      case 'ssh':
        return {
          kind,
          ...common,
          ...sshPart(ssh),
          socketPath: socketPath.trim(),
          ...(useJump ? { jump: sshPart(jump) } : {}),
        };
      case 'agent':
        return { kind, ...common, intervalSeconds: asNumber(interval) };
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = form.check(CreateHostBody, body());
    if (parsed) m.mutate(parsed);
  };

  return (
    <Modal opened={opened} onClose={close} title={<Text fw={600}>Add host</Text>} size="lg" centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <SegmentedControl
            fullWidth
            data={[
              { value: 'local', label: 'Local engine' },
              { value: 'ssh', label: 'Remote over SSH' },
              { value: 'agent', label: 'Push agent' },
            ]}
            value={kind}
            onChange={(v) => setKind(v === 'ssh' ? 'ssh' : v === 'agent' ? 'agent' : 'local')}
            data-testid="host-kind"
          />
          <Text size="xs" c="dimmed">
            {kind === 'local'
              ? 'The Docker engine on the machine Airlock runs on, through its unix socket.'
              : kind === 'ssh'
                ? 'A remote Docker engine reached through an SSH tunnel to its unix socket. No Docker TCP port is opened.'
                : 'A host that only pushes reports out (a small shell script run by cron or a timer). Read-only: no actions, logs or shell.'}
          </Text>
          <TextInput
            label="Label"
            placeholder={kind === 'local' ? 'this machine' : 'web-01'}
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
            error={errors.label}
            autoComplete="off"
            data-autofocus
            data-testid="host-label"
          />
          {kind !== 'agent' && (
            <SocketField
              value={socketPath}
              onChange={setSocketPath}
              error={errors.socketPath}
              testId="host-socket"
            />
          )}
          {kind === 'ssh' && (
            <>
              <SshFields value={ssh} onChange={setSsh} errors={errors} prefix="host-ssh" />
              <Switch
                label="Connect through a jump host"
                checked={useJump}
                onChange={(e) => setUseJump(e.currentTarget.checked)}
                data-testid="host-use-jump"
              />
              {useJump && (
                <Fieldset legend="Jump host" radius="md">
                  <SshFields value={jump} onChange={setJump} errors={{}} prefix="host-jump" />
                  {errors.jump && (
                    <Text size="xs" c="red" mt={6}>
                      Jump host: {errors.jump}
                    </Text>
                  )}
                </Fieldset>
              )}
            </>
          )}
          {kind === 'agent' && (
            <IntervalField
              value={interval}
              onChange={setInterval}
              error={errors.intervalSeconds}
              description="How often the agent reports. The host turns stale after 3 missed reports."
              testId="host-interval"
            />
          )}
          <ProtectedField
            checked={isProtected}
            onChange={setProtected}
            description="Fix agents may only propose changes here (read-only Docker access); nothing is changed without a person."
            testId="host-protected"
          />
          <FormFooter
            error={form.alert}
            pending={m.isPending}
            onCancel={close}
            label="Add host"
            testId="host-submit"
            mt={4}
          />
        </Stack>
      </form>
    </Modal>
  );
}
