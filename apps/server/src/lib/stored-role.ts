import { Role } from '@airlock/contract/auth';
import { InternalError } from './errors';

/**
 * A role read back from the store, parsed rather than cast. The table's CHECK constraint
 * (migration 0004) keeps unknown values out, but a row written around it (an old backup, a manual
 * edit) must not reach a rank comparison as a string nobody checked: it is a broken invariant, so
 * the request is refused (500, logged with the correlation id) and the account can do nothing
 * until an admin sets its role again.
 */
export function storedRole(value: unknown, where: string): Role {
  const r = Role.safeParse(value);
  if (!r.success)
    throw new InternalError(`${where} has role ${JSON.stringify(value)}, which is not a known role`);
  return r.data;
}
