import { z } from 'zod';

export const Health = z.object({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number() });
export type Health = z.infer<typeof Health>;

export const Ready = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()),
});
export type Ready = z.infer<typeof Ready>;

export const Ok = z.object({ ok: z.literal(true) });
export type Ok = z.infer<typeof Ok>;
