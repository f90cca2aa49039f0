import { Alert, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconInbox } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { ApiProblem } from '../api/client.ts';

/** A centred spinner with words, for screen readers too. */
export function Loading({ what }: { what: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" />
        <Text c="dimmed">Loading {what}…</Text>
      </Group>
    </Center>
  );
}

/** What went wrong and what to do about it, with a retry when asking again may help. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const status = error instanceof ApiProblem ? error.status : 0;
  const advice =
    status === 401
      ? 'Your session ended. Sign in again.'
      : status === 403
        ? 'Your role does not allow this. Ask an admin for access.'
        : status === 404
          ? 'It may have been removed, or the link is wrong.'
          : status >= 500
            ? 'The server failed; it has logged the error. Try again, and tell your operator if it persists.'
            : 'Check the input and try again.';
  return (
    <Alert color="red" icon={<IconAlertTriangle aria-hidden />} title="Something went wrong" role="alert">
      <Stack gap="xs">
        <Text size="sm">{error instanceof Error ? error.message : String(error)}</Text>
        <Text size="sm">{advice}</Text>
        {retry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={retry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** An empty list that says why it is empty and what would fill it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Center py="xl">
      <Stack align="center" gap={4}>
        <IconInbox size={32} aria-hidden color="var(--mantine-color-gray-6)" />
        <Text fw={600}>{title}</Text>
        {children && (
          <Text size="sm" c="dimmed" ta="center" maw={420}>
            {children}
          </Text>
        )}
      </Stack>
    </Center>
  );
}
