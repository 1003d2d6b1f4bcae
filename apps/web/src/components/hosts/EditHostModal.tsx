import { useState, type FormEvent } from 'react';
import { Modal, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { UPDATE_HOST_FIELDS, UpdateHostBody, type Host } from '@airlock/contract/hosts';
import { updateHost, upsertCachedHost } from '../../api/hosts';
import { useFormErrors } from '../../lib/use-form-errors';
import {
  asNumber,
  IntervalField,
  MONO_INPUT,
  ProtectedField,
  SocketField,
  SshSecretFields,
  SshTargetFields,
  type SshSecrets,
  type SshTarget,
} from './HostFormFields';
import { FormFooter } from '../FormFooter';

// The contract lists the fields (derived from its schemas), so the form shows every error the server names.
const EDIT_FIELDS = UPDATE_HOST_FIELDS;

/** Stored credentials are never shown; the form can only keep them or replace them. */
type Replace = 'keep' | 'key' | 'password';

export function EditHostModal({ host, onClose }: { host: Host | null; onClose: () => void }) {
  return (
    <Modal
      opened={host !== null}
      onClose={onClose}
      title={<Text fw={600}>Edit {host?.label}</Text>}
      size="lg"
      centered
    >
      {host && <EditHostForm key={host.id} host={host} onClose={onClose} />}
    </Modal>
  );
}

function EditHostForm({ host, onClose }: { host: Host; onClose: () => void }) {
  const qc = useQueryClient();
  const [label, setLabel] = useState(host.label);
  const [isProtected, setProtected] = useState(host.protected);
  const [socketPath, setSocketPath] = useState(host.local?.socketPath ?? host.ssh?.socketPath ?? '');
  const [target, setTarget] = useState<SshTarget>({
    host: host.ssh?.host ?? '',
    port: host.ssh?.port ?? 22,
    username: host.ssh?.username ?? '',
  });
  const pinned = host.ssh?.hostKeyFingerprint ?? '';
  const [fingerprint, setFingerprint] = useState(pinned);
  const [replace, setReplace] = useState<Replace>('keep');
  const [secrets, setSecrets] = useState<SshSecrets>({ privateKey: '', passphrase: '', password: '' });
  const [interval, setInterval] = useState<number | string>(host.agent?.intervalSeconds ?? 30);

  const m = useMutation({
    mutationFn: (body: UpdateHostBody) => updateHost(host.id, body),
    onSuccess: (updated) => {
      upsertCachedHost(qc, updated);
      onClose();
    },
  });
  const form = useFormErrors(EDIT_FIELDS, m.error);
  const { errors } = form;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = { label: label.trim(), protected: isProtected };
    if (host.kind !== 'agent') body.socketPath = socketPath.trim();
    if (host.kind === 'ssh') {
      body.host = target.host.trim();
      body.port = asNumber(target.port);
      body.username = target.username.trim();
      // Sent only when changed; empty unpins (the host's key is then shown again for confirmation).
      const fp = fingerprint.trim();
      if (fp !== pinned) body.hostKeyFingerprint = fp ? fp : null;
      if (replace === 'key') {
        body.privateKey = secrets.privateKey.trim() + '\n';
        body.passphrase = secrets.passphrase ? secrets.passphrase : null;
        body.password = null;
      } else if (replace === 'password') {
        body.password = secrets.password;
        body.privateKey = null;
        body.passphrase = null;
      }
    }
    if (host.kind === 'agent') body.intervalSeconds = asNumber(interval);
    const parsed = form.check(UpdateHostBody, body);
    if (parsed) m.mutate(parsed);
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput
          label="Label"
          value={label}
          onChange={(e) => setLabel(e.currentTarget.value)}
          error={errors.label}
          data-autofocus
          data-testid="host-edit-label"
        />
        {host.kind !== 'agent' && (
          <SocketField
            value={socketPath}
            onChange={setSocketPath}
            error={errors.socketPath}
            testId="host-edit-socket"
          />
        )}
        {host.kind === 'ssh' && (
          <>
            <SshTargetFields
              value={target}
              onChange={(patch) => setTarget((t) => ({ ...t, ...patch }))}
              errors={errors}
            />
            <TextInput
              label="Pinned host key fingerprint"
              description="The SHA256:… key the host must present. Empty: Airlock connects, shows what the host presents, and you confirm it."
              placeholder="SHA256:…"
              value={fingerprint}
              onChange={(e) => setFingerprint(e.currentTarget.value)}
              error={errors.hostKeyFingerprint}
              autoComplete="off"
              spellCheck={false}
              styles={MONO_INPUT}
              data-testid="host-edit-fingerprint"
            />
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Credentials
              </Text>
              <SegmentedControl
                size="xs"
                data={[
                  { value: 'keep', label: `Keep current (${host.ssh?.auth ?? 'key'})` },
                  { value: 'key', label: 'Replace with key' },
                  { value: 'password', label: 'Replace with password' },
                ]}
                value={replace}
                onChange={(v) => setReplace(v === 'key' ? 'key' : v === 'password' ? 'password' : 'keep')}
              />
            </Stack>
            {replace !== 'keep' && (
              <SshSecretFields
                auth={replace}
                value={secrets}
                onChange={(patch) => setSecrets((s) => ({ ...s, ...patch }))}
                errors={errors}
                replacing
              />
            )}
          </>
        )}
        {host.kind === 'agent' && (
          <IntervalField value={interval} onChange={setInterval} error={errors.intervalSeconds} />
        )}
        <ProtectedField
          checked={isProtected}
          onChange={setProtected}
          description="Fix agents may only propose changes here (read-only Docker access)."
          testId="host-edit-protected"
        />
        <FormFooter
          error={form.alert}
          pending={m.isPending}
          onCancel={onClose}
          label="Save"
          testId="host-edit-submit"
        />
      </Stack>
    </form>
  );
}
