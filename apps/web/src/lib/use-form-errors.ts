import { useState } from 'react';
import type { z } from 'zod';
import { splitError, zodFieldErrors, type FieldErrors } from './form-errors';

/**
 * Field errors for a form that checks its body with the contract's schema before sending it.
 * `check` returns the parsed body, or null after placing the schema's complaints on their fields.
 * Local findings win over the server's: they describe what the fields hold now. Whatever the
 * server said about no visible field is `alert`.
 */
export function useFormErrors<F extends string>(fields: readonly F[], serverError: unknown) {
  const [local, setLocal] = useState<FieldErrors<F>>({});
  const server = splitError(serverError, fields);
  const check = <T>(schema: z.ZodType<T>, input: unknown): T | null => {
    const parsed = schema.safeParse(input);
    setLocal(parsed.success ? {} : zodFieldErrors(parsed.error, fields));
    return parsed.success ? parsed.data : null;
  };
  const errors: FieldErrors<F> = { ...server.fields, ...local };
  return { errors, alert: server.alert, check, clear: () => setLocal({}) };
}
