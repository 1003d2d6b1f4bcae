import {
  Checkbox,
  Group,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Stack,
  Textarea,
  TextInput,
} from '@mantine/core';

// The add and edit forms show the same fields; these keep their labels, limits and fonts in one
// place. Test ids are optional because only the add form's fields are driven by the e2e tests.

export const MONO_INPUT = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };
const KEY_INPUT = { input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 11 } };

/** Mantine's NumberInput hands back a string while the field is being edited (or empty). */
export const asNumber = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

type SshField = 'host' | 'port' | 'username' | 'privateKey' | 'passphrase' | 'password';
export type SshErrors = Partial<Record<SshField | 'hostKeyFingerprint', string | undefined>>;

export interface SshTarget {
  host: string;
  port: number | string;
  username: string;
}

export interface SshSecrets {
  privateKey: string;
  passphrase: string;
  password: string;
}

export interface SshForm extends SshTarget, SshSecrets {
  auth: 'key' | 'password';
  hostKeyFingerprint: string;
}

export const EMPTY_SSH: SshForm = {
  host: '',
  port: 22,
  username: '',
  auth: 'key',
  privateKey: '',
  passphrase: '',
  password: '',
  hostKeyFingerprint: '',
};

/** Only the credentials of the chosen auth method go out; blanks are left off, not sent empty. */
export function sshPart(f: SshForm) {
  return {
    host: f.host.trim(),
    port: typeof f.port === 'number' ? f.port : Number(f.port) || 22,
    username: f.username.trim(),
    ...(f.auth === 'key' && f.privateKey.trim() ? { privateKey: f.privateKey.trim() + '\n' } : {}),
    ...(f.auth === 'key' && f.passphrase ? { passphrase: f.passphrase } : {}),
    ...(f.auth === 'password' && f.password ? { password: f.password } : {}),
    ...(f.hostKeyFingerprint.trim() ? { hostKeyFingerprint: f.hostKeyFingerprint.trim() } : {}),
  };
}

const testId = (prefix: string | undefined, name: string) => (prefix ? `${prefix}-${name}` : undefined);

/** Host, port and user. `hints` adds the placeholder and the note on which user to pick. */
export function SshTargetFields({
  value,
  onChange,
  errors,
  prefix,
  hints = false,
}: {
  value: SshTarget;
  onChange: (patch: Partial<SshTarget>) => void;
  errors: SshErrors;
  prefix?: string;
  hints?: boolean;
}) {
  return (
    <>
      <Group gap="sm" grow align="flex-start">
        <TextInput
          label="SSH host"
          placeholder={hints ? 'docker-1.example.internal' : undefined}
          value={value.host}
          onChange={(e) => onChange({ host: e.currentTarget.value })}
          error={errors.host}
          autoComplete="off"
          spellCheck={false}
          data-testid={testId(prefix, 'host')}
          style={{ flex: 3 }}
        />
        <NumberInput
          label="Port"
          value={value.port}
          onChange={(v) => onChange({ port: v })}
          min={1}
          max={65535}
          error={errors.port}
          data-testid={testId(prefix, 'port')}
          maw={110}
        />
      </Group>
      <TextInput
        label="SSH user"
        description={
          hints
            ? 'A user that can read and write the Docker socket on that host (e.g. in the docker group).'
            : undefined
        }
        value={value.username}
        onChange={(e) => onChange({ username: e.currentTarget.value })}
        error={errors.username}
        autoComplete="off"
        spellCheck={false}
        data-testid={testId(prefix, 'username')}
      />
    </>
  );
}

/**
 * The private key and its passphrase, or the password. `replacing` labels them as new values for
 * a host that already has stored credentials.
 */
export function SshSecretFields({
  auth,
  value,
  onChange,
  errors,
  prefix,
  replacing = false,
}: {
  auth: 'key' | 'password';
  value: SshSecrets;
  onChange: (patch: Partial<SshSecrets>) => void;
  errors: SshErrors;
  prefix?: string;
  replacing?: boolean;
}) {
  if (auth === 'password')
    return (
      <PasswordInput
        label={replacing ? 'New SSH password' : 'SSH password'}
        value={value.password}
        onChange={(e) => onChange({ password: e.currentTarget.value })}
        error={errors.password}
        autoComplete="new-password"
        data-testid={testId(prefix, 'password')}
      />
    );
  return (
    <>
      <Textarea
        label={replacing ? 'New private key' : 'Private key'}
        description={
          replacing ? undefined : 'OpenSSH or PEM format. Stored encrypted in the vault; never shown again.'
        }
        placeholder={replacing ? undefined : '-----BEGIN OPENSSH PRIVATE KEY-----'}
        value={value.privateKey}
        onChange={(e) => onChange({ privateKey: e.currentTarget.value })}
        error={errors.privateKey}
        autosize
        minRows={3}
        maxRows={8}
        styles={KEY_INPUT}
        spellCheck={false}
        data-testid={testId(prefix, 'private-key')}
      />
      <PasswordInput
        label="Key passphrase (optional)"
        value={value.passphrase}
        onChange={(e) => onChange({ passphrase: e.currentTarget.value })}
        error={errors.passphrase}
        autoComplete="new-password"
        data-testid={testId(prefix, 'passphrase')}
      />
    </>
  );
}

/** Everything a new SSH connection needs, for the host itself or its jump host. */
export function SshFields({
  value,
  onChange,
  errors,
  prefix,
}: {
  value: SshForm;
  onChange: (v: SshForm) => void;
  errors: SshErrors;
  prefix: string;
}) {
  const set = (patch: Partial<SshForm>) => onChange({ ...value, ...patch });
  return (
    <Stack gap="sm">
      <SshTargetFields value={value} onChange={set} errors={errors} prefix={prefix} hints />
      <SegmentedControl
        size="xs"
        data={[
          { value: 'key', label: 'Private key' },
          { value: 'password', label: 'Password' },
        ]}
        value={value.auth}
        onChange={(v) => set({ auth: v === 'password' ? 'password' : 'key' })}
        data-testid={`${prefix}-auth`}
      />
      <SshSecretFields auth={value.auth} value={value} onChange={set} errors={errors} prefix={prefix} />
      <TextInput
        label="Host key fingerprint (optional)"
        description="Pin it now (SHA256:…), or leave empty: Airlock connects, shows what the host presents, and you confirm it."
        placeholder="SHA256:…"
        value={value.hostKeyFingerprint}
        onChange={(e) => set({ hostKeyFingerprint: e.currentTarget.value })}
        error={errors.hostKeyFingerprint}
        autoComplete="off"
        spellCheck={false}
        styles={MONO_INPUT}
        data-testid={`${prefix}-fingerprint`}
      />
    </Stack>
  );
}

export function SocketField({
  value,
  onChange,
  error,
  testId: id,
}: {
  value: string;
  onChange: (v: string) => void;
  error: string | undefined;
  testId: string;
}) {
  return (
    <TextInput
      label="Docker socket"
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      autoComplete="off"
      spellCheck={false}
      styles={MONO_INPUT}
      data-testid={id}
    />
  );
}

export function IntervalField({
  value,
  onChange,
  error,
  description,
  testId: id,
}: {
  value: number | string;
  onChange: (v: number | string) => void;
  error: string | undefined;
  description?: string;
  testId?: string;
}) {
  return (
    <NumberInput
      label="Report interval (seconds)"
      description={description}
      value={value}
      onChange={onChange}
      min={5}
      max={3600}
      error={error}
      data-testid={id}
    />
  );
}

export function ProtectedField({
  checked,
  onChange,
  description,
  testId: id,
}: {
  checked: boolean;
  onChange: (v: boolean) => void;
  description: string;
  testId: string;
}) {
  return (
    <Checkbox
      label="Protected host"
      description={description}
      checked={checked}
      onChange={(e) => onChange(e.currentTarget.checked)}
      data-testid={id}
    />
  );
}
