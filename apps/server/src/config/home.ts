import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from './config';

/** Creates `$AIRLOCK_HOME` (mode 0700) if missing. */
export function ensureHome(home: string): void {
  if (!existsSync(home)) mkdirSync(home, { recursive: true, mode: 0o700 });
  if (!statSync(home).isDirectory())
    throw new ConfigError(`AIRLOCK_HOME "${home}" exists but is not a directory.`);
}

/** Writes a file atomically (temp + rename) with the given mode, so readers never see half of it. */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/**
 * The 32-byte master key: `AIRLOCK_MASTER_KEY` (64 hex chars or base64 of 32 bytes) or
 * `$AIRLOCK_HOME/master.key` (created 0600 on first run). It keys the vault and the audit chain.
 */
export function loadMasterKey(home: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.AIRLOCK_MASTER_KEY;
  if (fromEnv) {
    const key = /^[0-9a-fA-F]{64}$/.test(fromEnv)
      ? Buffer.from(fromEnv, 'hex')
      : Buffer.from(fromEnv, 'base64');
    if (key.length !== 32) {
      throw new ConfigError(
        'AIRLOCK_MASTER_KEY must be 32 bytes, written as 64 hex characters or base64; generate one with `openssl rand -hex 32`.',
      );
    }
    return key;
  }
  const file = path.join(home, 'master.key');
  if (!existsSync(file)) writeFileAtomic(file, randomBytes(32).toString('hex') + '\n');
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new ConfigError(`${file} is not a valid master key (64 hex characters expected).`);
  return Buffer.from(text, 'hex');
}
