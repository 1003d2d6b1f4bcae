import { z } from 'zod';
import { RefParams, Slug } from './credentials';
import { endpoint } from './endpoint';
import { Route } from './gateway';
import { Ok } from './system';

/**
 * Profiles (issue 9): what a sealed session runs in (runtime, image, limits) and where it may go
 * (gateway routes). A route names a credential by name or id; the server stores the id and answers
 * with the name.
 */

export const RuntimeKind = z.enum(['docker', 'bubblewrap']);
export type RuntimeKind = z.infer<typeof RuntimeKind>;

/**
 * A Docker image reference: `[registry[:port]/]name[/more][:tag][@sha256:digest]`. It starts with a
 * letter or digit, so it can never be read as an option of the command that runs it.
 */
export const ImageRef = z
  .string()
  .max(255, 'an image reference is at most 255 characters')
  .regex(
    /^(?:[A-Za-z0-9][A-Za-z0-9.-]*(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    'an image is a Docker image reference like "airlock/sandbox:bookworm" or "registry.example.com:5000/team/img@sha256:<digest>"',
  );

/** Bounds of each limit, shared by profiles and the config defaults. */
export const LIMIT_BOUNDS = {
  pids: { min: 16, max: 65536, int: true },
  memoryMb: { min: 64, max: 65536, int: true },
  cpus: { min: 0.1, max: 64, int: false },
} as const;
export type LimitName = keyof typeof LIMIT_BOUNDS;

/** The schema of one limit; `coerce` for config files, where a value may arrive as text. */
export function limitSchema(name: LimitName, coerce = false): z.ZodType<number, unknown> {
  const b = LIMIT_BOUNDS[name];
  const range = `must be ${b.int ? 'a whole number ' : ''}from ${b.min} to ${b.max}`;
  let s = (coerce ? z.coerce.number() : z.number()).min(b.min, range).max(b.max, range);
  if (b.int) s = s.int(range);
  return s;
}

export const Limits = z.strictObject({
  pids: limitSchema('pids').optional(),
  memoryMb: limitSchema('memoryMb').optional(),
  cpus: limitSchema('cpus').optional(),
});
export type Limits = z.infer<typeof Limits>;

export const EffectiveLimits = z.object({ pids: z.number(), memoryMb: z.number(), cpus: z.number() });
export type EffectiveLimits = z.infer<typeof EffectiveLimits>;

export const Profile = z.object({
  id: z.string(),
  name: z.string(),
  runtime: RuntimeKind,
  /** Null: the configured default (`sessions.image`). */
  image: z.string().nullable(),
  /** As stored (only what the profile sets). */
  limits: Limits,
  /** The stored limits over the configured defaults (`sessions.limits`): what a sandbox gets. */
  effectiveLimits: EffectiveLimits,
  /** `credential` is the credential's name. */
  routes: z.array(Route),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Profile = z.infer<typeof Profile>;

export const ProfileList = z.object({ items: z.array(Profile) });
export type ProfileList = z.infer<typeof ProfileList>;

const ProfileRoutes = z.array(Route).max(256, 'a profile has at most 256 routes');

export const CreateProfileBody = z.strictObject({
  name: Slug,
  runtime: RuntimeKind.default('docker'),
  image: ImageRef.optional(),
  limits: Limits.optional(),
  routes: ProfileRoutes,
});
export type CreateProfileBody = z.infer<typeof CreateProfileBody>;

export const UpdateProfileBody = z
  .strictObject({
    name: Slug.optional(),
    runtime: RuntimeKind.optional(),
    /** null: back to the configured default. */
    image: ImageRef.nullable().optional(),
    /** Replaces the stored limits. */
    limits: Limits.optional(),
    /** Replaces every route. */
    routes: ProfileRoutes.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'give at least one of name, runtime, image, limits, routes',
  });
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;

export const profilesApi = {
  list: endpoint({
    path: '/api/profiles',
    guard: 'viewer',
    summary: 'Session profiles: runtime, image, limits and egress routes.',
    tags: ['profiles'],
    response: ProfileList,
  }),
  get: endpoint({
    path: '/api/profiles/:ref',
    guard: 'viewer',
    summary: 'One profile, by name or id.',
    tags: ['profiles'],
    params: RefParams,
    response: Profile,
  }),
  create: endpoint({
    method: 'POST',
    path: '/api/profiles',
    guard: 'admin+unlock',
    summary: 'Create a profile; every route credential must exist and be bound to the route host.',
    tags: ['profiles'],
    body: CreateProfileBody,
    response: Profile,
    status: 201,
  }),
  update: endpoint({
    method: 'PATCH',
    path: '/api/profiles/:ref',
    guard: 'admin+unlock',
    summary: 'Change a profile (running sessions pick the change up).',
    tags: ['profiles'],
    params: RefParams,
    body: UpdateProfileBody,
    response: Profile,
  }),
  remove: endpoint({
    method: 'DELETE',
    path: '/api/profiles/:ref',
    guard: 'admin+unlock',
    summary: 'Remove a profile, by name or id.',
    tags: ['profiles'],
    params: RefParams,
    response: Ok,
  }),
};
