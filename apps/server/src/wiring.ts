// What one module needs of another, as the needing module's own port: each function here turns a
// providing module's service into that port. The modules never call each other directly, so a
// change in one shows up here, in one place, as a type error.
import type { CredentialsService } from './modules/credentials/credentials.module';
import type { HostsService } from './modules/hosts/hosts.module';
import type { ProfilesService } from './modules/profiles/profiles.module';
import type { ProfileSource, SensitiveSource, SessionsService } from './modules/sessions/sessions.module';
import { conflict, UserError } from './lib/errors';

/** Profiles as the sessions module reads them: by name or id, null when missing; live changes. */
export function profileSource(profiles: ProfilesService): ProfileSource {
  return {
    resolve: async (ref) => {
      const p = await profiles.get(ref).catch((err: unknown) => {
        if (err instanceof UserError && err.status === 404) return null;
        throw err;
      });
      return (
        p && {
          id: p.id,
          name: p.name,
          runtime: p.runtime,
          image: p.image,
          limits: p.effectiveLimits,
          routes: p.routes,
        }
      );
    },
    onChange: (listener) => {
      profiles.onChange((c) => {
        if (c.type === 'updated') listener(c.profile.id);
      });
    },
  };
}

/**
 * Every vault secret for the gateway's exfiltration scan: credentials (named `credential:<name>`)
 * and the fleet's SSH secrets (named by the hosts module, `ssh:<label>:<field>`); either vault's
 * change re-sends the running sessions' policies.
 */
export function sensitiveSource(credentials: CredentialsService, hosts: HostsService): SensitiveSource {
  return {
    sensitiveSecrets: async () => [
      ...(await credentials.allValues()).map((c) => ({ ...c, name: `credential:${c.name}` })),
      ...(await hosts.vaultSecrets()),
    ],
    onChange: (listener) => {
      credentials.onVaultChange(listener);
      hosts.onVaultChange(listener);
    },
  };
}

/** A profile that running sessions use stays until they are removed. */
export function keepProfilesInUse(profiles: ProfilesService, sessions: SessionsService): void {
  profiles.onBeforeRemove(async (p) => {
    const live = await sessions.liveForProfile(p.id);
    if (live.length)
      throw conflict(
        `Profile "${p.name}" is used by ${live.length} session(s) (${live.join(', ')}); remove them first.`,
      );
  });
}
