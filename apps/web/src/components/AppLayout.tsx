import { AppShell, Burger, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBox,
  IconKey,
  IconListDetails,
  IconLockSquareRounded,
  IconRoute,
  IconServer,
  IconTerminal2,
  IconUsers,
} from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { auditApi } from '@airlock/contract/audit';
import { credentialsApi } from '@airlock/contract/credentials';
import { can } from '@airlock/contract/endpoint';
import { usersApi } from '@airlock/contract/users';
import { useCurrentUser } from '../api/CurrentUser';
import { healthQuery } from '../api/system';
import { GatewayBanner } from './GatewayBanner';
import { Logo } from './Logo';
import { StreamIndicator } from './StreamIndicator';
import { ThemeToggle } from './ThemeToggle';
import { UnlockBadge } from './UnlockBadge';
import { UserMenu } from './UserMenu';

function NavItem({
  to,
  label,
  icon,
  testId,
  onNavigate,
}: {
  to: string;
  label: string;
  icon: ReactNode;
  testId: string;
  onNavigate: () => void;
}) {
  const { pathname } = useLocation();
  return (
    <NavLink
      component={Link}
      to={to}
      label={label}
      leftSection={icon}
      active={pathname === to || pathname.startsWith(`${to}/`)}
      onClick={onNavigate}
      data-testid={testId}
      variant="light"
      style={{ borderRadius: 6 }}
      py={6}
    />
  );
}

function SectionLabel({ children }: { children: ReactNode }) {
  return (
    <Text
      size="xs"
      fw={600}
      c="dimmed"
      tt="uppercase"
      px="sm"
      mt="md"
      mb={4}
      style={{ letterSpacing: '0.04em' }}
    >
      {children}
    </Text>
  );
}

/** The app shell; its navigation lists only the areas this release has built. */
export function AppLayout() {
  const me = useCurrentUser();
  const [opened, { toggle, close }] = useDisclosure(false);
  const health = useQuery(healthQuery);

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 228, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Link to="/" style={{ color: 'inherit', textDecoration: 'none' }} aria-label="Airlock home">
              <Logo size={24} />
            </Link>
          </Group>
          <Group gap={8} wrap="nowrap">
            <UnlockBadge />
            <StreamIndicator />
            <ThemeToggle />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs">
        <AppShell.Section grow>
          <NavItem
            to="/fleet"
            label="Fleet"
            icon={<IconBox size={17} stroke={1.6} />}
            testId="nav-fleet"
            onNavigate={close}
          />
          {/* A viewer would only ever see the audit API's refusal. */}
          {can(me, auditApi.list) && (
            <NavItem
              to="/audit"
              label="Audit log"
              icon={<IconListDetails size={17} stroke={1.6} />}
              testId="nav-audit"
              onNavigate={close}
            />
          )}
          <SectionLabel>Sealed sessions</SectionLabel>
          <NavItem
            to="/sessions"
            label="Sessions"
            icon={<IconTerminal2 size={17} stroke={1.6} />}
            testId="nav-sessions"
            onNavigate={close}
          />
          <NavItem
            to="/profiles"
            label="Profiles"
            icon={<IconRoute size={17} stroke={1.6} />}
            testId="nav-profiles"
            onNavigate={close}
          />
          {/* Credentials are admin-only, even to list. */}
          {can(me, credentialsApi.list) && (
            <NavItem
              to="/credentials"
              label="Credentials"
              icon={<IconLockSquareRounded size={17} stroke={1.6} />}
              testId="nav-credentials"
              onNavigate={close}
            />
          )}
          <SectionLabel>Settings</SectionLabel>
          <NavItem
            to="/settings/hosts"
            label="Hosts"
            icon={<IconServer size={17} stroke={1.6} />}
            testId="nav-hosts"
            onNavigate={close}
          />
          {can(me, usersApi.list) && (
            <NavItem
              to="/settings/users"
              label="Users"
              icon={<IconUsers size={17} stroke={1.6} />}
              testId="nav-users"
              onNavigate={close}
            />
          )}
          <NavItem
            to="/settings/tokens"
            label="API tokens"
            icon={<IconKey size={17} stroke={1.6} />}
            testId="nav-tokens"
            onNavigate={close}
          />
        </AppShell.Section>
        <AppShell.Section px="sm" pb={4}>
          <Text size="xs" c="dimmed" data-testid="app-version">
            Airlock {health.data ? `v${health.data.version}` : ''}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        <GatewayBanner />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
