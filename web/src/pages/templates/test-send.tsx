import { Button, Group, Paper, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconSend } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiProblem, api, unwrap } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';

/** Sends the saved template in one locale to an address of the user's choosing (needs `policies:write`). */
export function TestSend({
  template,
  locale,
  edited,
}: {
  template: string;
  locale: string;
  edited: boolean;
}) {
  const session = useSession();
  const [to, setTo] = useState(session.user.email);
  const send = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/v1/templates/test-send', { body: { template, locale, channel: 'email', to } })),
    onSuccess: (sent) =>
      notifications.show({
        color: 'teal',
        title: 'Test message sent',
        message: `${template} (${locale}) went to ${sent.recipient}; its subject starts with [TEST].`,
      }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send.mutate();
  };
  const error = send.error;
  const fieldError =
    error instanceof ApiProblem
      ? (error.reasonFor('body.to') ?? error.message) +
        (error.status === 502 ? '. Check RECOUP_SMTP_URL and the address, then try again.' : '')
      : error
        ? (error as Error).message
        : undefined;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="test-send-title">
      <Title order={3} size="h5" id="test-send-title">
        Send a test message
      </Title>
      <Text size="xs" c="dimmed" mb="xs">
        Sends the saved {locale} version{edited ? ' (not your unsaved edits)' : ''} with the default sample
        data. Without an SMTP server (RECOUP_SMTP_URL) it is written to the server's outbox folder instead.
      </Text>
      <form onSubmit={submit}>
        <Group align="flex-start" gap="xs">
          <TextInput
            label="Send to"
            type="email"
            required
            autoComplete="email"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            error={fieldError}
            style={{ flex: 1, minWidth: 220 }}
          />
          <Button
            type="submit"
            mt={25}
            loading={send.isPending}
            leftSection={<IconSend size={14} aria-hidden />}
          >
            Send a test message
          </Button>
        </Group>
      </form>
    </Paper>
  );
}
