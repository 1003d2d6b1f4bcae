import { Button, Center, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Navigate, Route, Routes, useLocation, useSearchParams } from 'react-router-dom';
import type { ReactNode } from 'react';
import { meQuery, setupStatusQuery } from './api/auth';
import { CurrentUserProvider } from './api/CurrentUser';
import { StreamProvider } from './api/StreamProvider';
import { AppLayout } from './components/AppLayout';
import { FormError } from './components/FormError';
import { LogoMark } from './components/Logo';
import { UnlockProvider } from './components/UnlockProvider';
import { AuditPage } from './pages/AuditPage';
import { ChangePasswordPage } from './pages/ChangePasswordPage';
import { ContainerPage } from './pages/container/ContainerPage';
import { CredentialsPage } from './pages/CredentialsPage';
import { FleetPage } from './pages/FleetPage';
import { HostsPage } from './pages/HostsPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ProfilePage } from './pages/ProfilePage';
import { ProfilesPage } from './pages/ProfilesPage';
import { SessionsPage } from './pages/SessionsPage';
import { SetupPage } from './pages/SetupPage';
import { TokensPage } from './pages/TokensPage';
import { UsersPage } from './pages/UsersPage';
import { safeNext } from './lib/navigation';

function FullPage({ children }: { children: ReactNode }) {
  return (
    <Center mih="100dvh" p="md">
      <Stack align="center" gap="md" maw={420} w="100%">
        <LogoMark size={40} />
        {children}
      </Stack>
    </Center>
  );
}

function ServerUnreachable({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <FullPage>
      <Text fw={600}>Airlock is not answering</Text>
      <FormError error={error} />
      <Text size="sm" c="dimmed" ta="center">
        Nothing on this page works until the server answers again.
      </Text>
      <Button variant="default" onClick={onRetry}>
        Try again
      </Button>
    </FullPage>
  );
}

/** The fleet is where every role starts: viewers read it, operators act on it. */
const HOME = '/fleet';

function ToLogin() {
  const { pathname, search } = useLocation();
  const here = pathname + search;
  const to =
    pathname === '/' || pathname === '/login' || pathname === '/setup'
      ? '/login'
      : `/login?next=${encodeURIComponent(here)}`;
  return <Navigate to={to} replace />;
}

/** Signed in while on /login: continue to where the user was headed before being asked to sign in. */
function AfterLogin({ home }: { home: string }) {
  const [params] = useSearchParams();
  return <Navigate to={safeNext(params.get('next'), home)} replace />;
}

function ToSetup() {
  const { pathname, search } = useLocation();
  // Keep `?token=` when it is already on the setup link.
  return <Navigate to={pathname === '/setup' ? `/setup${search}` : '/setup'} replace />;
}

/** Decides what exists before anything renders: first-run setup, sign-in, or the app itself. */
export function App() {
  const setup = useQuery(setupStatusQuery);
  const me = useQuery(meQuery);

  if (setup.isPending || me.isPending) {
    return (
      <FullPage>
        <Loader size="sm" type="dots" aria-label="Loading" />
      </FullPage>
    );
  }
  if (setup.isError) return <ServerUnreachable error={setup.error} onRetry={() => void setup.refetch()} />;
  if (setup.data.needsSetup) {
    return (
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="*" element={<ToSetup />} />
      </Routes>
    );
  }
  if (me.isError) return <ServerUnreachable error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) {
    return (
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="*" element={<ToLogin />} />
      </Routes>
    );
  }

  // An admin-set password opens nothing until it is replaced (the server refuses the rest).
  if (me.data.user.mustChangePassword) return <ChangePasswordPage username={me.data.user.username} />;

  const home = HOME;
  return (
    <CurrentUserProvider me={me.data}>
      <StreamProvider>
        <UnlockProvider>
          <Routes>
            <Route path="/login" element={<AfterLogin home={home} />} />
            <Route path="/setup" element={<Navigate to={home} replace />} />
            <Route element={<AppLayout />}>
              <Route index element={<Navigate to={home} replace />} />
              <Route path="/fleet" element={<FleetPage />} />
              <Route path="/fleet/:hostId/:id" element={<ContainerPage />} />
              <Route path="/sessions" element={<SessionsPage />} />
              <Route path="/profiles" element={<ProfilesPage />} />
              <Route path="/profiles/:ref" element={<ProfilePage />} />
              <Route path="/credentials" element={<CredentialsPage />} />
              <Route path="/audit" element={<AuditPage />} />
              <Route path="/settings" element={<Navigate to="/settings/hosts" replace />} />
              <Route path="/settings/hosts" element={<HostsPage />} />
              <Route path="/settings/users" element={<UsersPage />} />
              <Route path="/settings/tokens" element={<TokensPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </UnlockProvider>
      </StreamProvider>
    </CurrentUserProvider>
  );
}
