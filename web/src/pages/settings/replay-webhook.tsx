import { Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { fieldError, formError } from './field-errors.ts';
import type { WebhookSubscription } from './types.ts';

/** Sends a subscription's events again: those since a moment, or (left empty) the deliveries Recoup gave up on. */
export function ReplayWebhook({ subscription }: { subscription: WebhookSubscription }) {
  const [opened, { open, close }] = useDisclosure(false);
  const [since, setSince] = useState('');
  const replay = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/webhook-subscriptions/{id}/replay', {
          params: { path: { id: subscription.id } },
          // datetime-local is the viewer's wall clock; Date reads it in their zone.
          body: since ? { since: new Date(since).toISOString() } : {},
        }),
      ),
    onSuccess: (reply) => {
      notifications.show({
        color: 'teal',
        title: 'Replay queued',
        message: `${reply.queued} event${reply.queued === 1 ? '' : 's'} will be sent to ${subscription.url} again.`,
      });
      done();
    },
  });
  const done = () => {
    close();
    replay.reset();
    setSince('');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    replay.mutate();
  };
  const general = formError(replay.error, ['since']);
  return (
    <>
      <Button size="xs" variant="light" aria-label={`Replay events to ${subscription.url}`} onClick={open}>
        Replay
      </Button>
      <Modal opened={opened} onClose={done} title="Replay events">
        <form onSubmit={submit}>
          <Stack>
            <Text size="sm">
              Sends events to {subscription.url} again, in order. Receivers should de-duplicate by
              Recoup-Event-Id.
            </Text>
            {general && (
              <Alert color="red" role="alert">
                {general}
              </Alert>
            )}
            <TextInput
              label="Resend events since"
              description="Your local time. Leave empty to resend only the deliveries Recoup gave up on."
              type="datetime-local"
              value={since}
              onChange={(e) => setSince(e.currentTarget.value)}
              error={fieldError(replay.error, 'since')}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={done}>
                Cancel
              </Button>
              <Button type="submit" loading={replay.isPending}>
                Replay
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
