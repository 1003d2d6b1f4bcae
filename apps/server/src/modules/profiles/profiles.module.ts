import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import type { AuditService } from '../audit/audit.module';
import type { ProfileCredentials } from './credentials.port';
import { ProfilesRepo } from './profiles.repo';
import { profilesRoutes } from './profiles.routes';
import { ProfilesService, type SessionDefaults } from './profiles.service';

export {
  ProfilesService,
  hostCovers,
  type BeforeRemoveHook,
  type ProfileChange,
  type ProfileListener,
  type SessionDefaults,
} from './profiles.service';
export type { ProfileCredential, ProfileCredentials } from './credentials.port';

export interface ProfilesDeps {
  db: Db;
  audit: AuditService;
  /** Route credentials are checked against these (the credentials module). */
  credentials: ProfileCredentials;
  /** `sessions` of the config: the image and limits a profile does not set. */
  defaults: SessionDefaults;
  warn: (msg: string, err: unknown) => void;
}

/** Session profiles: runtime, image, limits and the egress routes a sealed session gets. */
export function profilesModule(deps: ProfilesDeps): Module<ProfilesService> {
  const service = new ProfilesService(
    new ProfilesRepo(deps.db),
    deps.credentials,
    deps.audit,
    deps.defaults,
    deps.warn,
  );
  return { service, register: (routes) => profilesRoutes(routes, service) };
}
