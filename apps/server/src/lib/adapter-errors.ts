import { UpstreamError, UserError } from './errors';

// The errors adapters throw that the modules react to (beyond mapping them to HTTP, which the error
// handler does for every AppError): part of the ports' vocabulary, so a module can tell them apart
// without importing an adapter.

const KiB = 1024;
const MiB = 1024 * KiB;
const sizeLabel = (bytes: number) => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);

/**
 * An engine's answer passed its cap: the request was destroyed and what had arrived was dropped.
 * An UpstreamError (502) for whoever asked; the engine runtime also marks the host degraded.
 */
export class EngineAnswerTooLarge extends UpstreamError {
  constructor(
    upstream: string,
    readonly what: string,
    readonly limitBytes: number,
    readonly refusal: boolean,
  ) {
    super(
      upstream,
      `The engine's ${refusal ? 'error answer' : 'answer'} to ${what} passed ${sizeLabel(limitBytes)}; Airlock stopped reading it.`,
    );
  }
}

/** No pin for this host: refused; `fingerprint` is what the host presented, for the admin to confirm. */
export class HostKeyUnknownError extends UserError {
  readonly fingerprint: string;
  readonly hostPort: string;
  constructor(hostPortStr: string, fingerprint: string) {
    super(
      409,
      'conflict',
      `Host key for ${hostPortStr} is not confirmed yet: it presented ${fingerprint}. Compare it with ` +
        '`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub -E sha256` on that host, then confirm it.',
      { fingerprint, hostPort: hostPortStr },
    );
    this.fingerprint = fingerprint;
    this.hostPort = hostPortStr;
  }
}

/** The host presented another key than the pinned one. */
export class HostKeyMismatchError extends UpstreamError {
  readonly expected: string;
  readonly fingerprint: string;
  readonly hostPort: string;
  constructor(upstream: string, hostPortStr: string, expected: string, got: string) {
    super(
      upstream,
      `Host key mismatch for ${hostPortStr}: expected ${expected}, got ${got} — if the host was rebuilt, confirm the new fingerprint`,
      { details: { expected, fingerprint: got, hostPort: hostPortStr } },
    );
    this.expected = expected;
    this.fingerprint = got;
    this.hostPort = hostPortStr;
  }
}
