import { useState, type FormEvent, type ReactNode } from 'react';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  EmptyState,
  Fieldset,
  Group,
  Menu,
  Modal,
  NumberInput,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconCheck,
  IconCopy,
  IconDots,
  IconKey,
  IconPencil,
  IconPlus,
  IconRefresh,
  IconServer,
  IconShieldCheck,
  IconShieldLock,
  IconTrash,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  CreateHostBody,
  UpdateHostBody,
  type CreatedHost,
  type Host,
  type HostKind,
} from '@airlock/contract/hosts';
import { hasRole, useCurrentUser } from '../api/CurrentUser';
import { containersKey } from '../api/containers';
import {
  confirmHostKey,
  createHost,
  hostsQuery,
  reconnectHost,
  removeCachedHost,
  removeHost,
  rotateHostToken,
  updateHost,
  upsertCachedHost,
} from '../api/hosts';
import { FormError, LoadError } from '../components/FormError';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows } from '../components/SkeletonRows';
import { HostStatusBadge } from '../components/StatusBadges';
import { Timestamp } from '../components/Timestamp';
import { splitError, zodFieldErrors, type FieldErrors } from '../lib/form-errors';

const COLUMNS = 7;
const MONO_INPUT = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };
const KIND_LABEL: Record<HostKind, string> = { local: 'Local engine', ssh: 'SSH', agent: 'Push agent' };

function CopyBlock({
  value,
  label,
  testId,
  pre = false,
}: {
  value: string;
  label: string;
  testId: string;
  /** Keep lines as they are (commands): scroll sideways instead of breaking words. */
  pre?: boolean;
}) {
  return (
    <Group gap={6} wrap="nowrap" align="stretch">
      <Code
        block
        fz="xs"
        style={{
          flex: 1,
          minWidth: 0,
          userSelect: 'all',
          ...(pre
            ? { whiteSpace: 'pre', overflowX: 'auto' }
            : { wordBreak: 'break-all', whiteSpace: 'pre-wrap' }),
        }}
        data-testid={testId}
      >
        {value}
      </Code>
      <CopyButton value={value} timeout={1500}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : `Copy ${label}`} withArrow>
            <ActionIcon
              variant={copied ? 'light' : 'default'}
              color={copied ? 'teal' : undefined}
              size="lg"
              onClick={copy}
              aria-label={`Copy ${label}`}
              data-testid={`${testId}-copy`}
            >
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

// ---- add host -----------------------------------------------------------------------------------

const CREATE_FIELDS = [
  'kind',
  'label',
  'protected',
  'socketPath',
  'host',
  'port',
  'username',
  'privateKey',
  'passphrase',
  'password',
  'hostKeyFingerprint',
  'jump',
  'intervalSeconds',
] as const;
type CreateField = (typeof CREATE_FIELDS)[number];

interface SshForm {
  host: string;
  port: number | string;
  username: string;
  auth: 'key' | 'password';
  privateKey: string;
  passphrase: string;
  password: string;
  hostKeyFingerprint: string;
}
const EMPTY_SSH: SshForm = {
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
function sshPart(f: SshForm) {
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

function SshFields({
  value,
  onChange,
  errors,
  prefix,
}: {
  value: SshForm;
  onChange: (v: SshForm) => void;
  errors: Partial<
    Record<
      'host' | 'port' | 'username' | 'privateKey' | 'passphrase' | 'password' | 'hostKeyFingerprint',
      string
    >
  >;
  prefix: string;
}) {
  const set = (patch: Partial<SshForm>) => onChange({ ...value, ...patch });
  return (
    <Stack gap="sm">
      <Group gap="sm" grow align="flex-start">
        <TextInput
          label="SSH host"
          placeholder="docker-1.example.internal"
          value={value.host}
          onChange={(e) => set({ host: e.currentTarget.value })}
          error={errors.host}
          autoComplete="off"
          spellCheck={false}
          data-testid={`${prefix}-host`}
          style={{ flex: 3 }}
        />
        <NumberInput
          label="Port"
          value={value.port}
          onChange={(v) => set({ port: v })}
          min={1}
          max={65535}
          error={errors.port}
          data-testid={`${prefix}-port`}
          maw={110}
        />
      </Group>
      <TextInput
        label="SSH user"
        description="A user that can read and write the Docker socket on that host (e.g. in the docker group)."
        value={value.username}
        onChange={(e) => set({ username: e.currentTarget.value })}
        error={errors.username}
        autoComplete="off"
        spellCheck={false}
        data-testid={`${prefix}-username`}
      />
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
      {value.auth === 'key' ? (
        <>
          <Textarea
            label="Private key"
            description="OpenSSH or PEM format. Stored encrypted in the vault; never shown again."
            placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
            value={value.privateKey}
            onChange={(e) => set({ privateKey: e.currentTarget.value })}
            error={errors.privateKey}
            autosize
            minRows={3}
            maxRows={8}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 11 } }}
            spellCheck={false}
            data-testid={`${prefix}-private-key`}
          />
          <PasswordInput
            label="Key passphrase (optional)"
            value={value.passphrase}
            onChange={(e) => set({ passphrase: e.currentTarget.value })}
            error={errors.passphrase}
            autoComplete="new-password"
            data-testid={`${prefix}-passphrase`}
          />
        </>
      ) : (
        <PasswordInput
          label="SSH password"
          value={value.password}
          onChange={(e) => set({ password: e.currentTarget.value })}
          error={errors.password}
          autoComplete="new-password"
          data-testid={`${prefix}-password`}
        />
      )}
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

function AddHostModal({
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
  const [socketPath, setSocketPath] = useState('/var/run/docker.sock');
  const [ssh, setSsh] = useState<SshForm>(EMPTY_SSH);
  const [useJump, setUseJump] = useState(false);
  const [jump, setJump] = useState<SshForm>(EMPTY_SSH);
  const [interval, setInterval] = useState<number | string>(30);
  const [local, setLocal] = useState<FieldErrors<CreateField>>({});

  const close = () => {
    setKind('local');
    setLabel('');
    setProtected(false);
    setSocketPath('/var/run/docker.sock');
    setSsh(EMPTY_SSH);
    setUseJump(false);
    setJump(EMPTY_SSH);
    setInterval(30);
    setLocal({});
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
        return {
          kind,
          ...common,
          intervalSeconds: typeof interval === 'number' ? interval : Number(interval),
        };
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = CreateHostBody.safeParse(body());
    if (!parsed.success) {
      setLocal(zodFieldErrors(parsed.error, CREATE_FIELDS));
      return;
    }
    setLocal({});
    m.mutate(parsed.data);
  };

  const server = splitError(m.error, CREATE_FIELDS);
  const errors = { ...server.fields, ...local };

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
            <TextInput
              label="Docker socket"
              value={socketPath}
              onChange={(e) => setSocketPath(e.currentTarget.value)}
              error={errors.socketPath}
              autoComplete="off"
              spellCheck={false}
              styles={MONO_INPUT}
              data-testid="host-socket"
            />
          )}
          {kind === 'ssh' && (
            <>
              <SshFields
                value={ssh}
                onChange={setSsh}
                errors={{
                  host: errors.host,
                  port: errors.port,
                  username: errors.username,
                  privateKey: errors.privateKey,
                  passphrase: errors.passphrase,
                  password: errors.password,
                  hostKeyFingerprint: errors.hostKeyFingerprint,
                }}
                prefix="host-ssh"
              />
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
            <NumberInput
              label="Report interval (seconds)"
              description="How often the agent reports. The host turns stale after 3 missed reports."
              value={interval}
              onChange={setInterval}
              min={5}
              max={3600}
              error={errors.intervalSeconds}
              data-testid="host-interval"
            />
          )}
          <Checkbox
            label="Protected host"
            description="Fix agents may only propose changes here (read-only Docker access); nothing is changed without a person."
            checked={isProtected}
            onChange={(e) => setProtected(e.currentTarget.checked)}
            data-testid="host-protected"
          />
          <FormError error={server.alert} />
          <Group justify="flex-end" gap="xs" mt={4}>
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={m.isPending} data-testid="host-submit">
              Add host
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The one moment an agent token exists in the UI; closing drops it for good. */
function AgentTokenModal({ created, onClose }: { created: CreatedHost | null; onClose: () => void }) {
  return (
    <Modal
      opened={created !== null}
      onClose={onClose}
      title={<Text fw={600}>Install the agent on “{created?.host.label}”</Text>}
      closeOnClickOutside={false}
      closeOnEscape={false}
      withCloseButton={false}
      size="xl"
      centered
    >
      {created && (
        <Stack gap="md" data-testid="agent-token-modal">
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} py="xs">
            This is shown once. Copy the token and install command now; if you lose them, rotate the token to
            get a new one (the old one stops working at once).
          </Alert>
          {created.agentToken && (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Agent token
              </Text>
              <CopyBlock value={created.agentToken} label="token" testId="agent-token" />
            </Stack>
          )}
          {created.installCommand && (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Run on the host (as root)
              </Text>
              <CopyBlock value={created.installCommand} label="install command" testId="agent-install" pre />
            </Stack>
          )}
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="agent-token-close">
              I have copied it
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

// ---- edit / remove ------------------------------------------------------------------------------

const EDIT_FIELDS = [
  'label',
  'protected',
  'socketPath',
  'host',
  'port',
  'username',
  'privateKey',
  'passphrase',
  'password',
  'intervalSeconds',
] as const;

function EditHostModal({ host, onClose }: { host: Host | null; onClose: () => void }) {
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
  const [sshHost, setSshHost] = useState(host.ssh?.host ?? '');
  const [port, setPort] = useState<number | string>(host.ssh?.port ?? 22);
  const [username, setUsername] = useState(host.ssh?.username ?? '');
  const [replace, setReplace] = useState<'keep' | 'key' | 'password'>('keep');
  const [privateKey, setPrivateKey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [password, setPassword] = useState('');
  const [interval, setInterval] = useState<number | string>(host.agent?.intervalSeconds ?? 30);
  const [local, setLocal] = useState<FieldErrors<(typeof EDIT_FIELDS)[number]>>({});

  const m = useMutation({
    mutationFn: (body: UpdateHostBody) => updateHost(host.id, body),
    onSuccess: (updated) => {
      upsertCachedHost(qc, updated);
      onClose();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = { label: label.trim(), protected: isProtected };
    if (host.kind !== 'agent') body.socketPath = socketPath.trim();
    if (host.kind === 'ssh') {
      body.host = sshHost.trim();
      body.port = typeof port === 'number' ? port : Number(port);
      body.username = username.trim();
      if (replace === 'key') {
        body.privateKey = privateKey.trim() + '\n';
        body.passphrase = passphrase ? passphrase : null;
        body.password = null;
      } else if (replace === 'password') {
        body.password = password;
        body.privateKey = null;
        body.passphrase = null;
      }
    }
    if (host.kind === 'agent')
      body.intervalSeconds = typeof interval === 'number' ? interval : Number(interval);
    const parsed = UpdateHostBody.safeParse(body);
    if (!parsed.success) {
      setLocal(zodFieldErrors(parsed.error, EDIT_FIELDS));
      return;
    }
    setLocal({});
    m.mutate(parsed.data);
  };

  const server = splitError(m.error, EDIT_FIELDS);
  const errors = { ...server.fields, ...local };

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
          <TextInput
            label="Docker socket"
            value={socketPath}
            onChange={(e) => setSocketPath(e.currentTarget.value)}
            error={errors.socketPath}
            styles={MONO_INPUT}
            data-testid="host-edit-socket"
          />
        )}
        {host.kind === 'ssh' && (
          <>
            <Group gap="sm" grow align="flex-start">
              <TextInput
                label="SSH host"
                value={sshHost}
                onChange={(e) => setSshHost(e.currentTarget.value)}
                error={errors.host}
                style={{ flex: 3 }}
              />
              <NumberInput
                label="Port"
                value={port}
                onChange={setPort}
                min={1}
                max={65535}
                error={errors.port}
                maw={110}
              />
            </Group>
            <TextInput
              label="SSH user"
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
              error={errors.username}
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
            {replace === 'key' && (
              <>
                <Textarea
                  label="New private key"
                  value={privateKey}
                  onChange={(e) => setPrivateKey(e.currentTarget.value)}
                  error={errors.privateKey}
                  autosize
                  minRows={3}
                  maxRows={8}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 11 } }}
                />
                <PasswordInput
                  label="Key passphrase (optional)"
                  value={passphrase}
                  onChange={(e) => setPassphrase(e.currentTarget.value)}
                  error={errors.passphrase}
                  autoComplete="new-password"
                />
              </>
            )}
            {replace === 'password' && (
              <PasswordInput
                label="New SSH password"
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={errors.password}
                autoComplete="new-password"
              />
            )}
          </>
        )}
        {host.kind === 'agent' && (
          <NumberInput
            label="Report interval (seconds)"
            value={interval}
            onChange={setInterval}
            min={5}
            max={3600}
            error={errors.intervalSeconds}
          />
        )}
        <Checkbox
          label="Protected host"
          description="Fix agents may only propose changes here (read-only Docker access)."
          checked={isProtected}
          onChange={(e) => setProtected(e.currentTarget.checked)}
          data-testid="host-edit-protected"
        />
        <FormError error={server.alert} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={m.isPending} data-testid="host-edit-submit">
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RemoveHostModal({ host, onClose }: { host: Host | null; onClose: () => void }) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: (id: string) => removeHost(id),
    onSuccess: (_ok, id) => {
      removeCachedHost(qc, id);
      void qc.invalidateQueries({ queryKey: containersKey });
      close();
    },
  });
  const close = () => {
    m.reset();
    onClose();
  };
  return (
    <Modal
      opened={host !== null}
      onClose={close}
      title={<Text fw={600}>Remove host “{host?.label}”?</Text>}
      centered
    >
      <Stack gap="sm">
        <Text size="sm">
          Airlock stops watching <b>{host?.label}</b> and forgets its stored credentials
          {host?.kind === 'agent' ? ' and its agent token (reports with it are refused from now on)' : ''}.
          Its containers keep running; they just leave the fleet list.
        </Text>
        <FormError error={m.error} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={m.isPending}
            onClick={() => host && m.mutate(host.id)}
            data-testid="host-remove-submit"
          >
            Remove {host?.label}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// ---- host key confirmation ----------------------------------------------------------------------

function ConfirmKey({ host, jump, isAdmin }: { host: Host; jump: boolean; isAdmin: boolean }) {
  const qc = useQueryClient();
  const target = jump ? host.ssh?.jump : host.ssh;
  const m = useMutation({
    mutationFn: (fingerprint: string) => confirmHostKey(host.id, { fingerprint, jump }),
    onSuccess: (updated) => upsertCachedHost(qc, updated),
  });
  if (!target?.presentedFingerprint) return null;
  const pinnedMismatch =
    target.hostKeyFingerprint !== null && target.hostKeyFingerprint !== target.presentedFingerprint;
  return (
    <Alert
      color={pinnedMismatch ? 'red' : 'yellow'}
      variant="light"
      icon={<IconShieldLock size={18} />}
      title={
        pinnedMismatch
          ? `${jump ? 'Jump host' : 'Host'} key changed: it does not match the pinned one`
          : `Confirm the ${jump ? 'jump host' : 'host'} key of ${target.host}`
      }
      data-testid={jump ? 'host-confirm-jump-key' : 'host-confirm-key'}
      py="xs"
    >
      <Stack gap={6}>
        <Text size="sm">
          {target.host}:{target.port} presented:
        </Text>
        <Code fz="xs" data-testid="host-presented-fingerprint" style={{ wordBreak: 'break-all' }}>
          {target.presentedFingerprint}
        </Code>
        <Text size="xs">
          Compare it with the output of this command run on that host itself (not through this connection):
        </Text>
        <Code block fz="xs">
          ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub -E sha256
        </Code>
        {pinnedMismatch && (
          <Text size="xs" c="red">
            The pinned fingerprint is {target.hostKeyFingerprint}. A changed key can mean the host was
            reinstalled — or that someone is in the middle. Only confirm if you know why it changed.
          </Text>
        )}
        <FormError error={m.error} />
        {isAdmin ? (
          <Group>
            <Button
              size="xs"
              leftSection={<IconShieldCheck size={14} />}
              loading={m.isPending}
              onClick={() => m.mutate(target.presentedFingerprint ?? '')}
              data-testid="host-confirm-key-submit"
            >
              The fingerprints match: confirm
            </Button>
          </Group>
        ) : (
          <Text size="xs" c="dimmed">
            An admin must confirm it.
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

// ---- the table ----------------------------------------------------------------------------------

function Details({ host }: { host: Host }) {
  const lines: ReactNode[] = [];
  if (host.local)
    lines.push(
      <Code key="s" fz="xs">
        {host.local.socketPath}
      </Code>,
    );
  if (host.ssh) {
    const s = host.ssh;
    lines.push(
      <Text key="t" size="xs" ff="monospace">
        {s.username}@{s.host}:{s.port} → {s.socketPath}
      </Text>,
      <Text key="f" size="xs" c="dimmed" ff="monospace" style={{ wordBreak: 'break-all' }}>
        {s.auth} auth · {s.hostKeyFingerprint ? `pinned ${s.hostKeyFingerprint}` : 'host key not pinned'}
      </Text>,
    );
    if (s.jump)
      lines.push(
        <Text key="j" size="xs" c="dimmed" ff="monospace">
          via {s.jump.username}@{s.jump.host}:{s.jump.port}
        </Text>,
      );
  }
  if (host.agent) {
    const a = host.agent;
    lines.push(
      <Text key="r" size="xs">
        last report <Timestamp value={a.lastReportAt} empty="never" span size="xs" />
        {a.hostname ? ` from ${a.hostname}` : ''}
      </Text>,
      <Text key="k" size="xs" c="dimmed" ff="monospace">
        token {a.tokenPrefix}… · every {a.intervalSeconds}s
      </Text>,
    );
  }
  return <Stack gap={2}>{lines}</Stack>;
}

function HostRow({
  host,
  isAdmin,
  isOperator,
  onEdit,
  onRemove,
  onRotated,
}: {
  host: Host;
  isAdmin: boolean;
  isOperator: boolean;
  onEdit: (h: Host) => void;
  onRemove: (h: Host) => void;
  onRotated: (c: CreatedHost) => void;
}) {
  const qc = useQueryClient();
  const reconnect = useMutation({
    mutationFn: () => reconnectHost(host.id),
    onSuccess: (h) => upsertCachedHost(qc, h),
  });
  const rotate = useMutation({
    mutationFn: () => rotateHostToken(host.id),
    onSuccess: (c) => {
      upsertCachedHost(qc, c.host);
      onRotated(c);
    },
  });
  const s = host.status;
  const needsKey = Boolean(host.ssh?.presentedFingerprint || host.ssh?.jump?.presentedFingerprint);
  return (
    <>
      <Table.Tr data-testid="host-row" data-label={host.label} data-kind={host.kind} data-state={s.state}>
        <Table.Td>
          <Text size="sm" fw={600}>
            {host.label}
          </Text>
        </Table.Td>
        <Table.Td>
          <Text size="sm">{KIND_LABEL[host.kind]}</Text>
        </Table.Td>
        <Table.Td>
          <Stack gap={2}>
            <Group gap={6} wrap="nowrap">
              <HostStatusBadge state={s.state} />
              <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                since <Timestamp value={s.since} span size="xs" c="dimmed" />
              </Text>
            </Group>
            {s.reason && (
              <Text
                size="xs"
                c={s.state === 'unreachable' ? 'red' : 'dimmed'}
                maw={320}
                data-testid="host-reason"
              >
                {s.reason}
              </Text>
            )}
          </Stack>
        </Table.Td>
        <Table.Td ta="right">
          <Text size="sm" ff="monospace" data-testid="host-container-count">
            {host.containerCount}
          </Text>
        </Table.Td>
        <Table.Td>
          {host.protected ? (
            <Tooltip label="Fix agents are propose-only on this host" withArrow>
              <Badge
                color="orange"
                variant="light"
                size="sm"
                radius="sm"
                tt="none"
                leftSection={<IconShieldLock size={12} />}
              >
                protected
              </Badge>
            </Tooltip>
          ) : (
            <Text size="xs" c="dimmed">
              —
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          <Details host={host} />
        </Table.Td>
        <Table.Td ta="right">
          {(isAdmin || (isOperator && host.kind !== 'agent')) && (
            <Menu position="bottom-end" withinPortal shadow="md">
              <Menu.Target>
                <ActionIcon
                  variant="default"
                  size={30}
                  aria-label={`Actions for ${host.label}`}
                  data-testid="host-menu"
                >
                  <IconDots size={15} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                {host.kind !== 'agent' && (
                  <Menu.Item
                    leftSection={<IconRefresh size={14} />}
                    onClick={() => reconnect.mutate()}
                    data-testid="host-reconnect"
                  >
                    Reconnect now
                  </Menu.Item>
                )}
                {isAdmin && (
                  <Menu.Item
                    leftSection={<IconPencil size={14} />}
                    onClick={() => onEdit(host)}
                    data-testid="host-edit"
                  >
                    Edit
                  </Menu.Item>
                )}
                {isAdmin && host.kind === 'agent' && (
                  <Menu.Item
                    leftSection={<IconKey size={14} />}
                    onClick={() => rotate.mutate()}
                    data-testid="host-rotate"
                  >
                    Rotate token
                  </Menu.Item>
                )}
                {isAdmin && (
                  <Menu.Item
                    color="red"
                    leftSection={<IconTrash size={14} />}
                    onClick={() => onRemove(host)}
                    data-testid="host-remove"
                  >
                    Remove
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          )}
        </Table.Td>
      </Table.Tr>
      {(needsKey || reconnect.error || rotate.error) && (
        <Table.Tr>
          <Table.Td colSpan={COLUMNS}>
            <Stack gap="xs">
              <ConfirmKey host={host} jump={false} isAdmin={isAdmin} />
              <ConfirmKey host={host} jump isAdmin={isAdmin} />
              <FormError error={reconnect.error} title={`Could not reconnect ${host.label}`} />
              <FormError error={rotate.error} title={`Could not rotate the token of ${host.label}`} />
            </Stack>
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

export function HostsPage() {
  const me = useCurrentUser();
  const isAdmin = hasRole(me, 'admin');
  const isOperator = hasRole(me, 'operator');
  const hosts = useQuery(hostsQuery);
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<CreatedHost | null>(null);
  const [editing, setEditing] = useState<Host | null>(null);
  const [removing, setRemoving] = useState<Host | null>(null);

  return (
    <Stack gap="md">
      <PageHeader
        title="Hosts"
        description="Where containers run: the local Docker engine, remote engines over SSH, and hosts that push reports. Changes here are admin-only and need an unlock."
        actions={
          isAdmin && (
            <Button
              leftSection={<IconPlus size={16} />}
              onClick={() => setAdding(true)}
              data-testid="host-add"
            >
              Add host
            </Button>
          )
        }
      />
      {hosts.isError ? (
        <LoadError error={hosts.error} what="hosts" onRetry={() => void hosts.refetch()} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={980}>
            <Table verticalSpacing={8} horizontalSpacing="md" fz="sm" data-testid="hosts-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Label</Table.Th>
                  <Table.Th w={130}>Kind</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th w={100} ta="right">
                    Containers
                  </Table.Th>
                  <Table.Th w={110}>Protected</Table.Th>
                  <Table.Th>Details</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {hosts.isPending ? (
                  <SkeletonRows columns={COLUMNS} rows={2} />
                ) : (
                  hosts.data.items.map((h) => (
                    <HostRow
                      key={h.id}
                      host={h}
                      isAdmin={isAdmin}
                      isOperator={isOperator}
                      onEdit={setEditing}
                      onRemove={setRemoving}
                      onRotated={setCreated}
                    />
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {hosts.data?.items.length === 0 && (
            <EmptyState
              py="xl"
              icon={<IconServer size={28} stroke={1.5} />}
              withIndicatorBackground
              title="No hosts yet"
              description={
                isAdmin
                  ? 'Add the local Docker engine to start, then remote engines over SSH or push agents.'
                  : 'An admin adds hosts here.'
              }
              data-testid="hosts-empty"
            />
          )}
        </Paper>
      )}
      <AddHostModal
        opened={adding}
        onClose={() => setAdding(false)}
        onCreated={(c) => c.agentToken && setCreated(c)}
      />
      <AgentTokenModal created={created} onClose={() => setCreated(null)} />
      <EditHostModal host={editing} onClose={() => setEditing(null)} />
      <RemoveHostModal host={removing} onClose={() => setRemoving(null)} />
    </Stack>
  );
}
