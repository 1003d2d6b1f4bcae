import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { RuntimeKind, SandboxLimits, SandboxSpec } from '../modules/sessions/runtime.port';

/**
 * What both sandbox runtimes (runtime.docker.ts, runtime.bwrap.ts) share: the sandbox environment,
 * the runtime's own state directory `home/run/sandboxes/<sessionId>/` (0700, never mounted whole:
 * only the CA bundle file inside it is bind-mounted), the relay command and its readiness probe,
 * and the capped output collector of an exec.
 */

/** Inside the sandbox: where the gateway's directory (gw.sock, ca.pem) is mounted read-only. */
export const SOCKET_MOUNT = '/run/airlock';
/** Inside the sandbox: the system CA bundle path, replaced by the runtime's bundle (host CAs + session CA). */
export const SANDBOX_CA_PATH = '/etc/ssl/certs/ca-certificates.crt';
/** On the host: the CAs the bundle starts from, when present. */
export const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
export const RELAY_PORT = 3128;
export const PROXY_URL = `http://127.0.0.1:${RELAY_PORT}`;
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The relay: loopback TCP 3128 inside → the gateway's unix socket. */
export const RELAY_ARGV: readonly string[] = [
  'socat',
  // nodelay: without it Nagle holds small writes on this loopback hop (a request head, a TLS
  // record): 5.6 ms more per request at p50 and half the throughput (bench/README.md, "Gateway").
  `TCP-LISTEN:${RELAY_PORT},bind=127.0.0.1,reuseaddr,fork,nodelay`,
  `UNIX-CONNECT:${SOCKET_MOUNT}/gw.sock`,
];

/**
 * POSIX sh: defines `relay_up`, true once port 3128 is in LISTEN state (0A) in /proc/net/tcp. Reads
 * the table only (a builtin `read` loop, no fork); never connects, so the gateway sees no probe.
 */
const PORT_HEX = RELAY_PORT.toString(16).toUpperCase().padStart(4, '0');
export const RELAY_UP_SH =
  'relay_up() { while read -r _ l _ st _; do [ "$st" = 0A ] && case "$l" in ' +
  `*:${PORT_HEX}) return 0;; esac; done < /proc/net/tcp; return 1; }`;

/** Session ids name containers and directories: a conservative charset, no path tricks. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkSessionId(id: string): string {
  if (!SESSION_ID.test(id) || id.includes('..'))
    throw new Error(`invalid sandbox session id: ${JSON.stringify(id)}`);
  return id;
}

/** Checks the parts of a spec both runtimes rely on; throws a plain reason. */
export function checkSpec(spec: SandboxSpec): void {
  checkSessionId(spec.sessionId);
  for (const [what, dir] of [
    ['socketDir', spec.socketDir],
    ['workdir', spec.workdir],
  ] as const) {
    if (!path.isAbsolute(dir)) throw new Error(`sandbox ${what} must be an absolute path: ${dir}`);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new Error(`sandbox ${what} is not a directory: ${dir}`);
  }
  if (!existsSync(path.join(spec.socketDir, 'ca.pem')))
    throw new Error(`the gateway directory ${spec.socketDir} has no ca.pem`);
  for (const [k, v] of Object.entries(spec.env)) {
    if (!ENV_NAME.test(k)) throw new Error(`invalid environment variable name: ${JSON.stringify(k)}`);
    if (v.includes('\0')) throw new Error(`environment variable ${k} contains a NUL byte`);
  }
  const { pids, memoryBytes, cpus } = spec.limits;
  if (!(Number.isInteger(pids) && pids > 0)) throw new Error('limits.pids must be a positive integer');
  if (!(Number.isInteger(memoryBytes) && memoryBytes >= 6 * 1024 * 1024))
    throw new Error('limits.memoryBytes must be an integer of at least 6 MiB');
  if (!(Number.isFinite(cpus) && cpus > 0)) throw new Error('limits.cpus must be a positive number');
}

/**
 * The environment of every exec: spec.env, then the runtime's own (which wins: the proxy and CA
 * settings are how the sandbox reaches the gateway and trusts its certificates).
 */
export function sandboxEnv(spec: Pick<SandboxSpec, 'env'>, home: string): Record<string, string> {
  const env: Record<string, string> = { ...spec.env };
  for (const k of ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY']) {
    env[k] = PROXY_URL;
    env[k.toLowerCase()] = PROXY_URL;
  }
  env.NO_PROXY = '';
  env.no_proxy = '';
  env.NODE_EXTRA_CA_CERTS = `${SOCKET_MOUNT}/ca.pem`;
  for (const k of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'])
    env[k] = SANDBOX_CA_PATH;
  env.HOME = home;
  env.USER = 'agent';
  env.LOGNAME = 'agent';
  env.PATH = SANDBOX_PATH;
  env.LANG ??= 'C.UTF-8';
  return env;
}

/** `K=V` lines, as Docker wants them. */
export const envList = (env: Record<string, string>): string[] =>
  Object.entries(env).map(([k, v]) => `${k}=${v}`);

// ---- state directory ------------------------------------------------------------------------------

export interface SandboxMeta {
  runtime: RuntimeKind;
  sessionId: string;
  profileId: string;
  image: string;
  socketDir: string;
  workdir: string;
  env: Record<string, string>;
  limits: SandboxLimits;
  createdAt: string;
}

export const sandboxesDir = (home: string): string => path.join(home, 'run', 'sandboxes');
export const stateDirOf = (home: string, sessionId: string): string =>
  path.join(sandboxesDir(home), checkSessionId(sessionId));
export const bundleOf = (stateDir: string): string => path.join(stateDir, 'ca-bundle.crt');

/**
 * Makes the state dir (0700) and writes the CA bundle into it: the host's bundle when present, then
 * the session CA. The bundle file itself is 0644 so the sandbox user can read it through its bind
 * mount; the directory around it stays closed. Returns the state dir.
 */
export function prepareStateDir(home: string, spec: SandboxSpec): string {
  const root = sandboxesDir(home);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  chmodSync(root, 0o700);
  const dir = stateDirOf(home, spec.sessionId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const sessionCa = readFileSync(path.join(spec.socketDir, 'ca.pem'), 'utf8');
  if (!sessionCa.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`${spec.socketDir}/ca.pem is not a PEM certificate`);
  let hostCas = '';
  try {
    hostCas = readFileSync(HOST_CA_BUNDLE, 'utf8');
  } catch {
    // No system bundle on this host: the sandbox trusts the session CA only.
  }
  const parts = [hostCas.trimEnd(), `# Airlock session ${spec.sessionId}\n${sessionCa.trim()}`].filter(
    Boolean,
  );
  const bundle = bundleOf(dir);
  writeFileSync(bundle, `${parts.join('\n')}\n`, { mode: 0o644 });
  chmodSync(bundle, 0o644);
  return dir;
}

export function writeMeta(stateDir: string, meta: SandboxMeta): void {
  writeFileSync(path.join(stateDir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
}

/** The meta.json of a state dir, or null when absent or not one of ours. */
export function readMeta(stateDir: string): SandboxMeta | null {
  try {
    const raw = JSON.parse(readFileSync(path.join(stateDir, 'meta.json'), 'utf8')) as Partial<SandboxMeta>;
    if (
      (raw.runtime !== 'docker' && raw.runtime !== 'bubblewrap') ||
      typeof raw.sessionId !== 'string' ||
      typeof raw.profileId !== 'string' ||
      typeof raw.socketDir !== 'string' ||
      typeof raw.workdir !== 'string' ||
      typeof raw.env !== 'object' ||
      raw.env === null ||
      typeof raw.limits !== 'object'
    )
      return null;
    return raw as SandboxMeta;
  } catch {
    return null;
  }
}

/** Every state dir holding a meta.json of `runtime`. */
export function listMetas(home: string, runtime: RuntimeKind): { dir: string; meta: SandboxMeta }[] {
  const root = sandboxesDir(home);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: { dir: string; meta: SandboxMeta }[] = [];
  for (const name of names.sort()) {
    const dir = path.join(root, name);
    const meta = readMeta(dir);
    if (meta && meta.runtime === runtime && meta.sessionId === name) out.push({ dir, meta });
  }
  return out;
}

export function removeStateDir(home: string, sessionId: string): void {
  rmSync(stateDirOf(home, sessionId), { recursive: true, force: true });
}

// ---- exec output ----------------------------------------------------------------------------------

/** Keeps the first `max` bytes of a stream and counts the rest (the caller keeps draining). */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const room = this.max - this.kept;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.kept += room;
    }
    this.truncated = true;
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }
}

export function checkExec(req: { argv: string[]; timeoutMs: number; maxOutputBytes: number }): void {
  if (req.argv.length === 0 || req.argv.some((a) => typeof a !== 'string' || a.includes('\0')))
    throw new Error('exec argv must be a non-empty list of strings without NUL bytes');
  if (!(Number.isFinite(req.timeoutMs) && req.timeoutMs > 0))
    throw new Error('exec timeoutMs must be positive');
  if (!(Number.isInteger(req.maxOutputBytes) && req.maxOutputBytes >= 0))
    throw new Error('exec maxOutputBytes must be a non-negative integer');
}
