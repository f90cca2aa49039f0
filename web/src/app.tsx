import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { ApiProblem } from './api/client.ts';
import { SessionProvider } from './auth/session.tsx';
import { router } from './routes.tsx';
import { cssVariablesResolver, theme } from './theme.ts';

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A 4xx will not fix itself by asking again; a dropped connection might.
      retry: (count, error) => count < 2 && !(error instanceof ApiProblem && error.status >= 400),
      refetchOnWindowFocus: false,
    },
  },
});

/** The dashboard: theme, data cache, session and pages. */
export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queries}>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
