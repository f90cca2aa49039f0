import { MantineProvider, createTheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { ApiProblem } from './api/client.ts';
import { SessionProvider } from './auth/session.tsx';
import { router } from './routes.tsx';

const theme = createTheme({
  primaryColor: 'teal',
  // Mantine's default teal-6 on white is below 4.5:1; shade 8 passes WCAG AA for text and filled buttons.
  primaryShade: 8,
  defaultRadius: 'sm',
});

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
    <MantineProvider theme={theme}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queries}>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
