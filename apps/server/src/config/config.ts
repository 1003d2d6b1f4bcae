import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ServerConfig } from '@airlock/contract/config';

export interface LoadedConfig {
  config: ServerConfig;
  home: string;
  /** Where the file came from, or null when there is none (defaults + env). */
  file: string | null;
}

/** Start-up cannot continue: the message names the key, the value and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ENV_KEYS: Record<string, string> = {
  AIRLOCK_HOST: 'host',
  AIRLOCK_PORT: 'port',
  AIRLOCK_LOG_LEVEL: 'logLevel',
  AIRLOCK_PUBLIC_URL: 'publicUrl',
};

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(obj: unknown, keyPath: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const k of keyPath) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

export function formatConfigIssues(
  issues: z.core.$ZodIssue[],
  input: unknown,
  sources: Record<string, string>,
): string {
  const lines = issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? `${issue.path.join('.')}.` : '';
      return `unknown key ${issue.keys.map((k) => `"${where}${k}"`).join(', ')} (check the spelling; see docs/API.md for the keys)`;
    }
    const key = issue.path.join('.');
    const src = sources[key] ? ` (from ${sources[key]})` : '';
    return `"${key}"${src} is ${describe(valueAt(input, issue.path))}: ${issue.message}`;
  });
  return `Invalid configuration:\n  - ${lines.join('\n  - ')}`;
}

/**
 * Reads `$AIRLOCK_HOME/airlock.yaml` (if present) and env overrides, validates the result.
 * Throws ConfigError with a readable message; never falls back to defaults for a bad value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedConfig {
  const home = path.resolve(cwd, env.AIRLOCK_HOME || '.airlock');
  const file = path.join(home, 'airlock.yaml');
  let raw: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  let fileUsed: string | null = null;
  if (existsSync(file)) {
    fileUsed = file;
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`Cannot parse ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ConfigError(
          `${file} must contain a mapping of keys (like "port: 7070"), not ${describe(parsed)}.`,
        );
      }
      raw = parsed as Record<string, unknown>;
      for (const k of Object.keys(raw)) sources[k] = file;
    }
  }
  for (const [envName, key] of Object.entries(ENV_KEYS)) {
    const v = env[envName];
    if (v !== undefined && v !== '') {
      raw[key] = v;
      sources[key] = `env ${envName}`;
    }
  }
  if (env.AIRLOCK_TRUST_PROXY) {
    raw.trustProxy = env.AIRLOCK_TRUST_PROXY.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    sources.trustProxy = 'env AIRLOCK_TRUST_PROXY';
  }
  const result = ServerConfig.safeParse(raw);
  if (!result.success) throw new ConfigError(formatConfigIssues(result.error.issues, raw, sources));
  return { config: result.data, home, file: fileUsed };
}
