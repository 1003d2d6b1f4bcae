import { useState, type FormEvent } from 'react';
import {
  Alert,
  Button,
  Group,
  Input,
  Modal,
  NumberInput,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  LIMIT_BOUNDS,
  type CreateProfileBody,
  type LimitName,
  type Profile,
  type UpdateProfileBody,
} from '@airlock/contract/profiles';
import { credentialsQuery } from '../../api/credentials';
import { createProfile, updateProfile, upsertCachedProfile } from '../../api/profiles';
import {
  FORM_ERROR,
  createBodyOf,
  emptyProfileDraft,
  emptyRoute,
  errorsAfterRemovingRoute,
  profileDraftFrom,
  serverProfileErrors,
  updateBodyOf,
  type ProfileDraft,
  type ProfileErrors,
  type RouteDraft,
} from '../../lib/profile-form';
import { memoryText } from '../../lib/profiles';
import { FormFooter } from '../FormFooter';
import { MONO_INPUT } from '../hosts/HostFormFields';
import { RouteEditor } from './RouteEditor';

const LIMIT_LABEL: Record<LimitName, string> = { pids: 'Processes', memoryMb: 'Memory (MiB)', cpus: 'CPUs' };

/** Create (`profile` null) or edit a profile. The form only exists while the modal is open. */
export function ProfileFormModal({
  opened,
  profile,
  onClose,
  onSaved,
}: {
  opened: boolean;
  profile: Profile | null;
  onClose: () => void;
  onSaved?: (saved: Profile, before: Profile | null) => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={600}>{profile ? `Edit profile “${profile.name}”` : 'New profile'}</Text>}
      size={860}
      centered
    >
      {opened && <ProfileForm profile={profile} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function ProfileForm({
  profile,
  onClose,
  onSaved,
}: {
  profile: Profile | null;
  onClose: () => void;
  onSaved: ((saved: Profile, before: Profile | null) => void) | undefined;
}) {
  const qc = useQueryClient();
  const [draft, setDraft] = useState<ProfileDraft>(() =>
    profile ? profileDraftFrom(profile) : emptyProfileDraft(),
  );
  const [errors, setErrors] = useState<ProfileErrors>({});
  const [alert, setAlert] = useState<unknown>(null);
  // Only admins open this form, and only they may list credentials.
  const credentials = useQuery(credentialsQuery);

  const m = useMutation({
    mutationFn: (save: Save) =>
      save.kind === 'update' ? updateProfile(save.id, save.body) : createProfile(save.body),
    onSuccess: (saved) => {
      upsertCachedProfile(qc, saved, profile?.name);
      onSaved?.(saved, profile);
      onClose();
    },
    onError: (err) => {
      const s = serverProfileErrors(err);
      setErrors(s.errors);
      setAlert(s.alert);
    },
  });

  const set = (patch: Partial<ProfileDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setRoute = (i: number, patch: Partial<RouteDraft>) =>
    setDraft((d) => ({ ...d, routes: d.routes.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));
  const removeRoute = (i: number) => {
    setDraft((d) => ({ ...d, routes: d.routes.filter((_, j) => j !== i) }));
    setErrors((e) => errorsAfterRemovingRoute(e, i));
  };

  // Checked with the contract's schemas first: what fails here is never sent.
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAlert(null);
    if (profile) {
      const r = updateBodyOf(draft);
      if (!r.ok) return setErrors(r.errors);
      m.mutate({ kind: 'update', id: profile.id, body: r.body });
    } else {
      const r = createBodyOf(draft);
      if (!r.ok) return setErrors(r.errors);
      m.mutate({ kind: 'create', body: r.body });
    }
    setErrors({});
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <Group gap="sm" grow align="flex-start">
          <TextInput
            label="Name"
            description="Sessions and the CLI name the profile by it"
            value={draft.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            error={errors.name}
            autoComplete="off"
            spellCheck={false}
            data-autofocus
            data-testid="profile-name"
          />
          <Input.Wrapper
            label="Runtime"
            description={
              draft.runtime === 'docker'
                ? 'A Docker container with no network, limits enforced'
                : 'bubblewrap: fast and local, no cgroup limits'
            }
            error={errors.runtime}
          >
            <SegmentedControl
              fullWidth
              mt={4}
              data={[
                { value: 'docker', label: 'Docker' },
                { value: 'bubblewrap', label: 'bubblewrap' },
              ]}
              value={draft.runtime}
              onChange={(v) => set({ runtime: v === 'bubblewrap' ? 'bubblewrap' : 'docker' })}
              data-testid="profile-runtime"
            />
          </Input.Wrapper>
        </Group>
        <TextInput
          label="Image"
          description="Empty: the deck's default sandbox image (sessions.image in airlock.yaml)"
          placeholder="airlock/sandbox:bookworm"
          value={draft.image}
          onChange={(e) => set({ image: e.currentTarget.value })}
          error={errors.image}
          autoComplete="off"
          spellCheck={false}
          styles={MONO_INPUT}
          data-testid="profile-image"
        />
        <Input.Wrapper
          label="Limits"
          description={
            draft.runtime === 'bubblewrap'
              ? 'Empty: the configured default. The bubblewrap runtime does not enforce them; Docker does.'
              : 'Empty: the configured default'
          }
          error={errors.limits}
        >
          <Group gap="sm" grow align="flex-start" mt={4}>
            {(Object.keys(LIMIT_LABEL) as LimitName[]).map((n) => (
              <NumberInput
                key={n}
                label={LIMIT_LABEL[n]}
                placeholder={
                  profile
                    ? `default ${n === 'memoryMb' ? memoryText(profile.effectiveLimits.memoryMb) : profile.effectiveLimits[n]}`
                    : 'default'
                }
                value={draft.limits[n]}
                onChange={(v) => set({ limits: { ...draft.limits, [n]: v } })}
                min={LIMIT_BOUNDS[n].min}
                max={LIMIT_BOUNDS[n].max}
                step={LIMIT_BOUNDS[n].int ? 1 : 0.5}
                allowDecimal={!LIMIT_BOUNDS[n].int}
                error={errors[`limits.${n}`]}
                data-testid={`profile-limit-${n}`}
              />
            ))}
          </Group>
        </Input.Wrapper>

        <Group justify="space-between" mt="xs">
          <Stack gap={0}>
            <Text size="sm" fw={600}>
              Routes
            </Text>
            <Text size="xs" c="dimmed">
              Where a sandbox may connect; everything else is refused with the reason.
            </Text>
          </Stack>
          <Button
            variant="default"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => set({ routes: [...draft.routes, emptyRoute()] })}
            data-testid="route-add"
          >
            Add route
          </Button>
        </Group>
        {errors.routes && (
          <Text size="xs" c="red" data-testid="routes-error">
            {errors.routes}
          </Text>
        )}
        {draft.routes.length === 0 && (
          <Text size="sm" c="dimmed" data-testid="routes-none">
            No routes: a sandbox under this profile can reach nothing.
          </Text>
        )}
        {draft.routes.map((r, i) => (
          <RouteEditor
            key={r.key}
            index={i}
            value={r}
            onChange={(patch) => setRoute(i, patch)}
            onRemove={() => removeRoute(i)}
            errors={errors}
            credentials={credentials.isError ? null : (credentials.data?.items ?? [])}
          />
        ))}
        {errors[FORM_ERROR] && (
          <Alert color="red" variant="light" py="xs">
            {errors[FORM_ERROR]}
          </Alert>
        )}
        {Object.keys(errors).length > 0 && !alert && (
          <Text size="xs" c="red" ta="right" data-testid="profile-form-invalid">
            Nothing was saved: fix the fields marked in red.
          </Text>
        )}
        <FormFooter
          error={alert}
          pending={m.isPending}
          onCancel={onClose}
          label={profile ? 'Save changes' : 'Create profile'}
          testId="profile-submit"
          mt={4}
        />
      </Stack>
    </form>
  );
}

type Save =
  { kind: 'create'; body: CreateProfileBody } | { kind: 'update'; id: string; body: UpdateProfileBody };
