import { createContext, use, type ReactNode } from 'react';
import type { Me } from '@airlock/contract/auth';

const CurrentUserContext = createContext<Me | null>(null);

/** Only rendered once the session is known, so everything below can rely on a signed-in user. */
export function CurrentUserProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <CurrentUserContext value={me}>{children}</CurrentUserContext>;
}

export function useCurrentUser(): Me {
  const me = use(CurrentUserContext);
  if (!me) throw new Error('useCurrentUser must be used inside <CurrentUserProvider>');
  return me;
}
