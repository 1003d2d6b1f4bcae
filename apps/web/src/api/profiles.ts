import { queryOptions, type QueryClient } from '@tanstack/react-query';
import {
  profilesApi,
  type CreateProfileBody,
  type Profile,
  type ProfileList,
  type UpdateProfileBody,
} from '@airlock/contract/profiles';
import type { Ok } from '@airlock/contract/system';
import { apiClient } from './client';

export const profilesQuery = queryOptions({
  queryKey: ['profiles'] as const,
  queryFn: ({ signal }) => apiClient.call(profilesApi.list, {}, { signal }),
});

export function profileQuery(ref: string) {
  return queryOptions({
    queryKey: ['profiles', 'one', ref] as const,
    queryFn: ({ signal }) => apiClient.call(profilesApi.get, { params: { ref } }, { signal }),
  });
}

export function createProfile(body: CreateProfileBody): Promise<Profile> {
  return apiClient.call(profilesApi.create, { body });
}

export function updateProfile(ref: string, body: UpdateProfileBody): Promise<Profile> {
  return apiClient.call(profilesApi.update, { params: { ref }, body });
}

export function removeProfile(ref: string): Promise<Ok> {
  return apiClient.call(profilesApi.remove, { params: { ref } });
}

/** After a create or an edit: the answer goes into the list and the detail caches at once. */
export function upsertCachedProfile(qc: QueryClient, profile: Profile, previousName?: string): void {
  qc.setQueryData<ProfileList>(profilesQuery.queryKey, (old) => {
    if (!old) return old;
    const at = old.items.findIndex((p) => p.id === profile.id);
    if (at < 0) return { items: [...old.items, profile] };
    const items = [...old.items];
    items[at] = profile;
    return { items };
  });
  qc.setQueryData(profileQuery(profile.name).queryKey, profile);
  // A renamed profile's old URL must not keep showing the old copy.
  if (previousName && previousName !== profile.name)
    qc.removeQueries({ queryKey: profileQuery(previousName).queryKey });
  void qc.invalidateQueries({ queryKey: profilesQuery.queryKey });
}

export function removeCachedProfile(qc: QueryClient, profile: Profile): void {
  qc.setQueryData<ProfileList>(profilesQuery.queryKey, (old) =>
    old ? { items: old.items.filter((p) => p.id !== profile.id) } : old,
  );
  qc.removeQueries({ queryKey: profileQuery(profile.name).queryKey });
  void qc.invalidateQueries({ queryKey: profilesQuery.queryKey });
}
