import { Badge } from '@mantine/core';
import type { Role } from '@airlock/contract/auth';

const COLORS: Record<Role, string> = { admin: 'grape', operator: 'blue', viewer: 'gray' };

export function RoleBadge({ role }: { role: Role }) {
  return (
    <Badge color={COLORS[role]} variant="light" size="sm" radius="sm" tt="none" data-role={role}>
      {role}
    </Badge>
  );
}

export const ROLE_HELP: Record<Role, string> = {
  viewer: 'Viewer — reads the fleet and sessions',
  operator: 'Operator — acts on containers and runs agents',
  admin: 'Admin — everything, including users',
};
