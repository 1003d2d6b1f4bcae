import { z } from 'zod';

/** Every error response has this shape (DESIGN.md, "Errors by who is at fault"). */
export const ErrorCode = z.enum([
  'validation_failed',
  'unauthenticated',
  'forbidden',
  /** A policy refused it; `details.rule` names the rule. */
  'policy_denied',
  'csrf_failed',
  'unlock_required',
  /** The account must choose a new password (POST /api/auth/password) before anything else. */
  'password_change_required',
  'not_found',
  'conflict',
  'rate_limited',
  'payload_too_large',
  'setup_closed',
  'upstream_failed',
  'upstream_timeout',
  /** A part Airlock runs itself (the gateway, a sandbox runtime) is not available now: 503. */
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
  correlationId: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One entry of `details` for validation errors: where in the input, and what was wrong. */
export const FieldIssue = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;
