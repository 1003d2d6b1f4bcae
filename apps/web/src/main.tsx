import '@mantine/core/styles.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App';
import { ApiError, isApiError, setUnauthenticatedHandler } from './api/client';
import { meQuery, sessionLost } from './api/auth';
import { colorSchemeManager, cssVariablesResolver, theme } from './theme';

// An admin required a new password while the app was open: re-read who we are, and App shows
// the change-password page instead of a screen of refusals.
const onError = (err: unknown) => {
  if (isApiError(err, 'password_change_required'))
    void queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
};

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // A 4xx will not change by asking again; only transient failures are worth a retry.
      retry: (count, err) => count < 1 && !(err instanceof ApiError && err.status >= 400 && err.status < 500),
    },
    mutations: { retry: false },
  },
});

// A session that expires mid-use sends the user to the login page instead of showing 401s.
setUnauthenticatedHandler(() => sessionLost(queryClient));

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <MantineProvider
      theme={theme}
      colorSchemeManager={colorSchemeManager}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="auto"
    >
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
