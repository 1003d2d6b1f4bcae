import type { Db } from '../../db/db';
import type { Module } from '../../lib/module';
import { Vault } from '../../lib/vault';
import type { AuditService } from '../audit/audit.module';
import { CredentialsRepo } from './credentials.repo';
import { credentialsRoutes } from './credentials.routes';
import { CredentialsService } from './credentials.service';
import type { CredentialUsage } from './usage.port';

export {
  CredentialsService,
  maskValue,
  type CredentialInfo,
  type SessionCredential,
} from './credentials.service';
export type { CredentialUsage } from './usage.port';

export interface CredentialsDeps {
  db: Db;
  masterKey: Buffer;
  audit: AuditService;
  /** Who refers to credentials (profiles): a credential in use is not removed. */
  usage: CredentialUsage;
}

/** Credentials injected by the gateway in sealed sessions; values sealed in the vault. */
export function credentialsModule(deps: CredentialsDeps): Module<CredentialsService> {
  const service = new CredentialsService(
    new CredentialsRepo(deps.db),
    new Vault(deps.masterKey),
    deps.audit,
    deps.usage,
  );
  return { service, register: (routes) => credentialsRoutes(routes, service) };
}
