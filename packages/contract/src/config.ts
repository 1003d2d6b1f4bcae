import { z } from 'zod';
import { GatewayLimits } from './gateway';
import { ImageRef, limitSchema } from './profiles';

const port = z.coerce.number().int().min(1, 'must be 1-65535').max(65535, 'must be 1-65535');
const positive = z.coerce.number().int().positive('must be a positive whole number');

export const SESSION_DEFAULTS = {
  image: 'airlock/sandbox:bookworm',
  limits: { pids: 512, memoryMb: 2048, cpus: 2 },
  /** Per stream (stdout, stderr) of one `POST /api/sessions/:id/exec`. */
  execOutputBytes: 1_048_576,
  execTimeoutMs: 60_000,
};

/**
 * `$AIRLOCK_HOME/airlock.yaml`. Every key is optional; env vars override the file
 * (AIRLOCK_HOST, AIRLOCK_PORT, AIRLOCK_LOG_LEVEL, AIRLOCK_TRUST_PROXY). Unknown keys are errors,
 * so a typo never silently falls back to a default.
 */
export const ServerConfig = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(7070),
    /** Public URL (for setup links and Secure cookies), e.g. https://airlock.example.com */
    publicUrl: z.url({ message: 'must be an absolute URL like https://airlock.example.com' }).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Trust X-Forwarded-* from these proxy addresses (CIDR or IP). Empty: trust none. */
    trustProxy: z.array(z.string().min(1)).default([]),
    session: z
      .object({
        idleMinutes: positive.default(480),
        absoluteHours: positive.default(72),
        unlockMinutes: positive.default(10),
        /**
         * How long an open shell may outlive the unlock window it was opened under before the
         * server ends it. Unlocking again extends it.
         */
        shellAfterUnlockMinutes: positive.default(60),
      })
      .strict()
      .default({ idleMinutes: 480, absoluteHours: 72, unlockMinutes: 10, shellAfterUnlockMinutes: 60 }),
    /**
     * Sign-in limiting (apps/server/src/modules/auth/login-limiter.ts). `maxFailuresPerAccount`
     * counts one account from one address; across addresses the account is only slowed, by at
     * most `maxDelaySeconds` per attempt, so strangers cannot lock its owner out.
     */
    login: z
      .object({
        maxFailuresPerAccount: positive.default(5),
        maxFailuresPerAddress: positive.default(20),
        windowMinutes: positive.default(15),
        lockoutMinutes: positive.default(15),
        maxDelaySeconds: z.coerce
          .number()
          .int()
          .min(0, 'must be 0-30 seconds')
          .max(30, 'must be 0-30 seconds')
          .default(3),
      })
      .strict()
      .default({
        maxFailuresPerAccount: 5,
        maxFailuresPerAddress: 20,
        windowMinutes: 15,
        lockoutMinutes: 15,
        maxDelaySeconds: 3,
      }),
    /**
     * The egress gateway (apps/gateway), started and supervised by the server. `upstreamOverrides`
     * is for tests: a host (normalised) is dialled at `address` and its certificate verified against
     * the PEM file `ca`, exempt from the private-address refusal because an admin named it;
     * `/api/health` lists every overridden host.
     */
    gateway: z
      .object({
        enabled: z.boolean().default(true),
        upstreamOverrides: z
          .record(
            z.string().min(1),
            z
              .object({
                address: z.string().min(1, 'an override needs an address: "ip" or "ip:port"'),
                ca: z.string().min(1).optional(),
              })
              .strict(),
          )
          .default({}),
        /** A PEM file of CAs trusted for upstream TLS besides the system store. */
        extraCaFile: z.string().min(1).optional(),
        limits: GatewayLimits.prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * Sealed agent sessions (issue 9): the sandbox image and limits a profile gets where it sets
     * none of its own.
     */
    sessions: z
      .object({
        image: ImageRef.default(SESSION_DEFAULTS.image),
        limits: z
          .object({
            pids: limitSchema('pids', true).default(SESSION_DEFAULTS.limits.pids),
            memoryMb: limitSchema('memoryMb', true).default(SESSION_DEFAULTS.limits.memoryMb),
            cpus: limitSchema('cpus', true).default(SESSION_DEFAULTS.limits.cpus),
          })
          .strict()
          .default(SESSION_DEFAULTS.limits),
        execOutputBytes: positive.default(SESSION_DEFAULTS.execOutputBytes),
        execTimeoutMs: positive.default(SESSION_DEFAULTS.execTimeoutMs),
      })
      .strict()
      .default(SESSION_DEFAULTS),
    /** Largest accepted request body, in bytes. */
    bodyLimit: positive.default(1_048_576),
  })
  .strict();
export type ServerConfig = z.infer<typeof ServerConfig>;
export type ServerConfigInput = z.input<typeof ServerConfig>;
