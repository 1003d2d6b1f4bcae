import {
  Checkbox,
  Chip,
  Group,
  Input,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { HttpMethod } from '@airlock/contract/gateway';
import type { Credential } from '@airlock/contract/credentials';
import { routeErrorKey, type ProfileErrors, type RouteDraft, type RouteField } from '../../lib/profile-form';
import { UNSCANNED_HELP } from '../../lib/profiles';
import { MONO_INPUT } from '../hosts/HostFormFields';
import { UnscannedBadge } from './UnscannedBadge';
import { RemoveIconButton } from '../RemoveIconButton';

const FLAG_TEXT = {
  passthrough: { label: 'Passthrough (unscanned)', help: UNSCANNED_HELP },
  websocket: { label: 'WebSocket upgrades', help: 'Every frame is scanned like a request body.' },
  allowPrivate: {
    label: 'Allow private addresses',
    help: 'The host may resolve to a private, loopback or link-local address.',
  },
  allowCompressedBody: {
    label: 'Allow compressed request bodies',
    help: 'The scanner cannot read them: only for hosts trusted with anything.',
  },
} as const;

/**
 * One route of the profile form. `credentials` is what the credential picker offers (null when
 * the list could not be read: the name is typed instead).
 */
export function RouteEditor({
  index,
  value,
  onChange,
  onRemove,
  errors,
  credentials,
}: {
  index: number;
  value: RouteDraft;
  onChange: (patch: Partial<RouteDraft>) => void;
  onRemove: () => void;
  errors: ProfileErrors;
  credentials: readonly Credential[] | null;
}) {
  const err = (f: RouteField) => errors[routeErrorKey(index, f)];
  const id = (f: string) => `route-${index}-${f}`;
  const n = index + 1;
  const credentialOptions = [
    { value: '', label: 'None' },
    ...(credentials ?? []).map((c) => ({ value: c.name, label: `${c.name} (${c.hosts.join(', ')})` })),
    // A stored name the list does not have still shows as itself rather than as "None".
    ...(value.credential && credentials && !credentials.some((c) => c.name === value.credential)
      ? [{ value: value.credential, label: value.credential }]
      : []),
  ];
  return (
    <Paper withBorder radius="md" p="sm" data-testid="route-editor" data-index={index}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">
            <Text size="sm" fw={600}>
              Route {n}
            </Text>
            {value.passthrough && <UnscannedBadge testId="route-editor-unscanned" />}
          </Group>
          <RemoveIconButton label={`Remove route ${n}`} onClick={onRemove} testId={id('remove')} />
        </Group>
        <Group gap="sm" grow align="flex-start">
          <TextInput
            label="Host"
            description='"api.example.com", or "*.example.com" for its subdomains'
            value={value.host}
            onChange={(e) => onChange({ host: e.currentTarget.value })}
            error={err('host')}
            autoComplete="off"
            spellCheck={false}
            styles={MONO_INPUT}
            data-testid={id('host')}
            style={{ flex: 3 }}
          />
          <TextInput
            label="Ports"
            description="Empty: 443, and 80 for plain HTTP"
            placeholder="443, 8443"
            value={value.ports}
            onChange={(e) => onChange({ ports: e.currentTarget.value })}
            error={err('ports')}
            autoComplete="off"
            styles={MONO_INPUT}
            data-testid={id('ports')}
            style={{ flex: 2 }}
          />
        </Group>
        <Input.Wrapper
          label="Methods"
          description="None chosen: any method"
          error={err('methods')}
          id={id('methods')}
        >
          <Chip.Group multiple value={value.methods} onChange={(v) => onChange({ methods: v })}>
            <Group gap={6} mt={6} data-testid={id('methods')}>
              {HttpMethod.options.map((m) => (
                <Chip key={m} value={m} size="xs" radius="sm">
                  {m}
                </Chip>
              ))}
            </Group>
          </Chip.Group>
        </Input.Wrapper>
        <Group gap="sm" grow align="flex-start">
          <Textarea
            label="Path prefixes"
            description="One per line; empty: any path"
            placeholder="/v1/"
            value={value.paths}
            onChange={(e) => onChange({ paths: e.currentTarget.value })}
            error={err('paths')}
            autosize
            minRows={1}
            maxRows={6}
            spellCheck={false}
            styles={MONO_INPUT}
            data-testid={id('paths')}
          />
          {credentials === null ? (
            <TextInput
              label="Credential"
              description="Injected by the gateway; the sandbox never sees it"
              value={value.credential}
              onChange={(e) => onChange({ credential: e.currentTarget.value })}
              error={err('credential')}
              autoComplete="off"
              data-testid={id('credential')}
            />
          ) : (
            <NativeSelect
              label="Credential"
              description="Injected by the gateway; the sandbox never sees it"
              data={credentialOptions}
              value={value.credential}
              onChange={(e) => onChange({ credential: e.currentTarget.value })}
              error={err('credential')}
              data-testid={id('credential')}
            />
          )}
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing={6}>
          {(Object.keys(FLAG_TEXT) as Array<keyof typeof FLAG_TEXT>).map((f) => (
            <Checkbox
              key={f}
              label={FLAG_TEXT[f].label}
              description={FLAG_TEXT[f].help}
              checked={value[f]}
              onChange={(e) => onChange({ [f]: e.currentTarget.checked })}
              error={err(f)}
              data-testid={id(f)}
            />
          ))}
        </SimpleGrid>
        {errors[routeErrorKey(index)] && (
          <Text size="xs" c="red" data-testid={id('error')}>
            {errors[routeErrorKey(index)]}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
